import { afterEach, describe, expect, test } from "vitest";
import { startSimulator, type RunningSimulator } from "./server";
import { eventually, metricValue, postJson, sleep } from "./test-support";

const messages = [{ role: "user", content: "Count slowly." }];
const running: RunningSimulator[] = [];

async function start(options: Parameters<typeof startSimulator>[0]): Promise<RunningSimulator> {
  const sim = await startSimulator(options);
  running.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function gauges(sim: RunningSimulator) {
  const text = await (await fetch(`${sim.url}/metrics`)).text();
  return {
    running: metricValue(text, "vllm:num_requests_running"),
    waiting: metricValue(text, "vllm:num_requests_waiting"),
    aborted: metricValue(text, "vllm:request_success_total", { finished_reason: "abort" }),
    kv: metricValue(text, "vllm:kv_cache_usage_perc") ?? 0,
    text,
  };
}

/** Opens a stream and resolves once its first bytes arrived (or at once when `waitFirstByte` is false). */
async function openStream(sim: RunningSimulator, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = fetch(`${sim.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ messages, stream: true, ...body }),
    signal: controller.signal,
  });
  response.catch(() => {});
  return { controller, response };
}

describe("capacity model", () => {
  test("maxNumSeqs=2 with 4 concurrent requests: 2 running, 2 waiting (FIFO), then all finish", async () => {
    const sim = await start({ maxNumSeqs: 2, ttftMs: 0, tokensPerSecond: 50, batchSlowdown: 0 });
    const streams = await Promise.all([0, 1, 2, 3].map((i) => openStream(sim, { max_tokens: 10 }, { "x-request-id": `r${i}` })));
    const seen = await eventually(async () => {
      const g = await gauges(sim);
      return g.running === 2 && g.waiting === 2 ? g : undefined;
    });
    expect(seen.kv).toBeGreaterThan(0);
    expect(sim.state()).toMatchObject({ running: 2, waiting: 2 });

    const bodies = await Promise.all(streams.map(async (s) => (await s.response).text()));
    for (const body of bodies) expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    const after = await gauges(sim);
    expect(after).toMatchObject({ running: 0, waiting: 0 });
    expect(metricValue(after.text, "vllm:request_success_total", { finished_reason: "length" })).toBe(4);
    // The two that waited show queue time in the histogram.
    expect(metricValue(after.text, "vllm:request_queue_time_seconds_sum")).toBeGreaterThan(0.1);
  });

  test("time to first token and inter-token time follow the model", async () => {
    const sim = await start({ ttftMs: 150, tokensPerSecond: 20, prefillTokensPerSecond: 1e9 });
    const t0 = performance.now();
    const res = await postJson(sim.url, "/v1/chat/completions", { messages, stream: true, max_tokens: 5 });
    const reader = res.body!.getReader();
    await reader.read();
    const ttft = performance.now() - t0;
    while (!(await reader.read()).done);
    const total = performance.now() - t0;
    expect(ttft).toBeGreaterThanOrEqual(140);
    expect(ttft).toBeLessThan(400);
    // 4 gaps of 50 ms after the first token.
    expect(total - ttft).toBeGreaterThanOrEqual(180);
  });

  test("a client that goes away aborts its sequence at once and frees the slot", async () => {
    const sim = await start({ maxNumSeqs: 1, zeroLatency: true, faults: { tokenDelayMs: 20 } });
    const first = await openStream(sim, { max_tokens: 1000 }, { "x-request-id": "gone" });
    const res = await first.response;
    const reader = res.body!.getReader();
    await reader.read();
    const queued = await openStream(sim, { max_tokens: 2 }, { "x-request-id": "queued" });
    await eventually(async () => ((await gauges(sim)).waiting === 1 ? true : undefined));

    const abortedAt = Date.now();
    first.controller.abort();
    const record = await eventually(() => sim.state().aborts.find((a) => a.xRequestId === "gone"), 1000, 5);
    expect(record.at - abortedAt).toBeLessThan(100);
    expect(record.tokensSent).toBeGreaterThan(0);
    expect(record.wasRunning).toBe(true);
    // The waiting request gets the slot and completes.
    expect((await (await queued.response).text()).endsWith("data: [DONE]\n\n")).toBe(true);
    const g = await gauges(sim);
    expect(g.aborted).toBe(1);
    expect(g.running).toBe(0);
  });
});

describe("faults", () => {
  test("hangBeforeFirstToken sends nothing at all until the client leaves", async () => {
    const sim = await start({ zeroLatency: true, faults: { hangBeforeFirstToken: true } });
    const s = await openStream(sim, {}, { "x-request-id": "hang" });
    const outcome = await Promise.race([s.response.then(() => "answered"), sleep(300).then(() => "silent")]);
    expect(outcome).toBe("silent");
    s.controller.abort();
    const record = await eventually(() => sim.state().aborts.find((a) => a.xRequestId === "hang"));
    expect(record.tokensSent).toBe(0);
    sim.setFaults({ hangBeforeFirstToken: false });
    expect((await postJson(sim.url, "/v1/chat/completions", { messages, max_tokens: 1 })).status).toBe(200);
  });

  test("dropConnectionAfterTokens destroys only that socket, mid-stream", async () => {
    const sim = await start({ zeroLatency: true, faults: { dropConnectionAfterTokens: 3, tokenDelayMs: 5 } });
    const res = await postJson(sim.url, "/v1/chat/completions", { messages, stream: true });
    await expect(res.text()).rejects.toThrow();
    expect(sim.state().totals.dropped).toBe(1);
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
  });

  test("ttftDelayMs and tokenDelayMs apply even with zeroLatency", async () => {
    const sim = await start({ zeroLatency: true, faults: { ttftDelayMs: 120, tokenDelayMs: 30 } });
    const t0 = performance.now();
    await (await postJson(sim.url, "/v1/chat/completions", { messages, max_tokens: 4 })).json();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(120 + 3 * 30 - 10);
  });

  test("crashAfterTokens in-process tears the server down mid-stream", async () => {
    const sim = await start({ zeroLatency: true, faults: { crashAfterTokens: 2, tokenDelayMs: 5 } });
    const res = await postJson(sim.url, "/v1/chat/completions", { messages, stream: true });
    await expect(res.text()).rejects.toThrow();
    await expect(fetch(`${sim.url}/health`)).rejects.toThrow();
  });
});
