import net from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { spawnSimulator, type SimulatorProcess } from "./spawn";
import { eventually, postJson, sleep } from "./test-support";

// The simulator as the gateway and the lab see it: a separate process on a real port.
const procs: SimulatorProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop()));
});

async function spawn(...args: Parameters<typeof spawnSimulator>): Promise<SimulatorProcess> {
  const proc = await spawnSimulator(...args);
  procs.push(proc);
  return proc;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const messages = [{ role: "user", content: "Hello there" }];

describe("simulator process", () => {
  test("refuses connections while loading, then serves", async () => {
    const sim = await spawn({ servedModel: "qwen2.5-7b-instruct", loadMs: 1500, zeroLatency: true }, { waitReady: false });
    expect(sim.port).toBeGreaterThan(0);
    await eventually(() => (sim.stderr().includes('"event":"loading"') ? true : undefined), 15_000);
    expect(await canConnect(sim.port)).toBe(false);
    await sim.waitUntilListening(15_000);
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
    const models = await (await fetch(`${sim.url}/v1/models`)).json();
    expect(models.data[0].id).toBe("qwen2.5-7b-instruct");
  });

  test("failAtLoad prints a CUDA out-of-memory error and exits 1 without listening", async () => {
    const sim = await spawn({ loadMs: 200, faults: { failAtLoad: true } }, { waitReady: false });
    await expect(sim.waitUntilListening(15_000)).rejects.toThrow(/exited with code 1/);
    expect(await sim.exited).toBe(1);
    expect(sim.stderr()).toMatch(/torch\.OutOfMemoryError: CUDA out of memory/);
  });

  test("crashAfterTokens kills the whole process mid-stream with exit code 1", async () => {
    const sim = await spawn({ zeroLatency: true, faults: { crashAfterTokens: 3, tokenDelayMs: 20 } });
    const res = await postJson(sim.url, "/v1/chat/completions", { messages, stream: true });
    expect(res.status).toBe(200);
    let received = "";
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += decoder.decode(value, { stream: true });
        }
      })(),
    ).rejects.toThrow();
    expect(received).toContain('"delta":{"content":');
    expect(received).not.toContain("[DONE]");
    expect(await sim.exited).toBe(1);
  });

  test("SIGTERM ends open streams and exits 0 within a second", async () => {
    const sim = await spawn({ zeroLatency: true, faults: { tokenDelayMs: 100 } });
    const res = await postJson(sim.url, "/v1/chat/completions", { messages, stream: true, max_tokens: 1000, ignore_eos: true });
    const reader = res.body!.getReader();
    await reader.read();
    const t0 = performance.now();
    sim.kill("SIGTERM");
    expect(await sim.exited).toBe(0);
    expect(performance.now() - t0).toBeLessThan(1000);
    // The open stream ended (cleanly or not) instead of hanging.
    await Promise.race([
      (async () => {
        try {
          while (!(await reader.read()).done);
        } catch {
          /* a reset is fine too */
        }
      })(),
      sleep(2000).then(() => {
        throw new Error("stream still open");
      }),
    ]);
  });

  test("a client abort shows in /_sim/state within 100 ms", async () => {
    const sim = await spawn({ zeroLatency: true, faults: { tokenDelayMs: 50 } });
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "abort-me" },
      body: JSON.stringify({ messages, stream: true, max_tokens: 500, ignore_eos: true }),
      signal: controller.signal,
    });
    await res.body!.getReader().read();
    const abortedAt = Date.now();
    controller.abort();
    const record = await eventually(async () => (await sim.state()).aborts.find((a) => a.xRequestId === "abort-me"), 2000, 5);
    expect(record.at - abortedAt).toBeLessThan(100);
    expect(record.tokensSent).toBeGreaterThanOrEqual(1);
    const state = await sim.state();
    expect(state.running).toBe(0);
    expect(state.recentRequests.at(-1)).toMatchObject({ xRequestId: "abort-me", stream: true, streamOptions: null });
  });

  test("faults can be changed at run time", async () => {
    const sim = await spawn({ zeroLatency: true });
    expect(await sim.setFaults({ error500: 1 })).toMatchObject({ error500: 1 });
    expect((await postJson(sim.url, "/v1/chat/completions", { messages })).status).toBe(500);
    expect((await postJson(sim.url, "/v1/chat/completions", { messages })).status).toBe(200);
  });
});
