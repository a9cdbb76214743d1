import { afterEach, describe, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import type { LabConfig } from "@/lib/config/schema";
import { SimulatedRuntime } from "@/lib/runtime/simulated";
import { waitFor, waitUntil } from "@/lib/testing/wait";
import { createSimulatedGpus, SIMULATED_GPU } from "./gpus";
import { pickFreePort } from "./ports";
import { spawnSimulator, type SimulatorProcess } from "./spawn";
import { postJson } from "./test-support";

// Sleep mode as the lab controller will see it: real simulator processes over HTTP, started the way the simulated
// runtime starts a backend with `sleep:`, the memory read where the simulated GPU telemetry reads it.

const MODEL = "qwen2.5-32b-instruct-awq";
const chat = { model: MODEL, messages: [{ role: "user", content: "Are you awake?" }], max_tokens: 4 };

const procs: SimulatorProcess[] = [];
let runtime: SimulatedRuntime | null = null;
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop()));
  await runtime?.close();
  runtime = null;
});

const post = (url: string, path: string) => fetch(`${url}${path}`, { method: "POST" });
const isSleeping = async (url: string) => ((await (await fetch(`${url}/is_sleeping`)).json()) as { is_sleeping: boolean }).is_sleeping;

/** Resolves with the response, or with "pending" if none came within `ms` (the request is then aborted). */
async function answerWithin(url: string, ms: number): Promise<Response | "pending"> {
  const controller = new AbortController();
  const request = fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(chat),
    signal: controller.signal,
  });
  const timer = new Promise<"pending">((resolve) => setTimeout(() => resolve("pending"), ms));
  const result = await Promise.race([request, timer]);
  if (result === "pending") {
    controller.abort();
    await request.catch(() => undefined);
  }
  return result;
}

describe("sleep endpoints", () => {
  test("without VLLM_SERVER_DEV_MODE the routes do not exist: 404, as vLLM", async () => {
    const sim = await spawnSimulator({ servedModel: MODEL, zeroLatency: true, enableSleepMode: true, serverDevMode: false });
    procs.push(sim);
    for (const [method, path] of [
      ["POST", "/sleep?level=1"],
      ["POST", "/wake_up"],
      ["GET", "/is_sleeping"],
    ] as const) {
      const res = await fetch(`${sim.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toEqual({ detail: "Not Found" });
    }
    expect((await postJson(sim.url, "/v1/chat/completions", chat)).status).toBe(200);
  });
});

describe("a sleeping backend of the simulated runtime", () => {
  // 18,000 MiB of weights over two GPUs at 15,000 MiB/s: 600 ms to copy back, plus 100 ms: a 700 ms wake.
  const WAKE_MS = 700;

  async function startBackend(sim: string): Promise<{ url: string; config: LabConfig }> {
    const port = await pickFreePort("127.0.0.1");
    const config = parseLabConfig(`
runtime: simulated
gpuTelemetry: simulated
backends:
  qwen-32b:
    url: http://127.0.0.1:${port}
    servedModel: ${MODEL}
    gpus: [0, 1]
    sleep: { level: 1 }
    sim: { loadMs: 100, ttftMs: 5, tokensPerSecond: 200, memoryMiB: 21000, weightsMiB: 18000, hostToGpuMiBps: 15000${sim} }
modes:
  deep: { backends: [qwen-32b], default: true }
`);
    runtime = new SimulatedRuntime(() => config);
    await runtime.start("qwen-32b");
    await waitFor(() => runtime!.isLoaded("qwen-32b"), "the backend to load");
    return { url: config.backends["qwen-32b"]!.url, config };
  }

  /** What the simulated GPU telemetry shows for GPU 0 and 1, fed as lib/app/switchyard.ts feeds it. */
  function telemetryMemory(config: LabConfig, gpus = createSimulatedGpus({ releaseDelayMs: 0 })): number[] {
    const backend = config.backends["qwen-32b"]!;
    const load = {
      id: "qwen-32b",
      gpus: backend.gpus,
      state: "ready" as const,
      memoryMiB: runtime!.gpuMemoryMiB("qwen-32b") ?? backend.sim?.memoryMiB,
      activity: 0,
    };
    return gpus.sample([load]).map((sample) => (sample.memoryUsedMiB ?? 0) - SIMULATED_GPU.idleMemoryMiB);
  }

  test("sleep frees both GPUs down to the TP=2 residue, requests wait while asleep, wake restores it in about the expected time", async () => {
    const { url, config } = await startBackend("");
    expect(telemetryMemory(config)).toEqual([21_000, 21_000]);
    expect(await isSleeping(url)).toBe(false);

    const slept = await post(url, "/sleep?level=1");
    expect(slept.status).toBe(200);
    expect(await slept.text()).toBe("");
    expect(await isSleeping(url)).toBe(true);
    await waitFor(() => runtime!.gpuMemoryMiB("qwen-32b") === 2450, "the runtime to see the memory released");
    expect(telemetryMemory(config)).toEqual([2450, 2450]);

    // vLLM pauses its scheduler while asleep: a request is held, not refused.
    expect(await answerWithin(url, 400)).toBe("pending");
    const held = postJson(url, "/v1/chat/completions", chat);

    const started = performance.now();
    const woke = await post(url, "/wake_up");
    const tookMs = performance.now() - started;
    expect(woke.status).toBe(200);
    expect(tookMs).toBeGreaterThanOrEqual(WAKE_MS - 50);
    expect(tookMs).toBeLessThan(WAKE_MS + 5000);
    expect(await isSleeping(url)).toBe(false);
    await waitFor(() => runtime!.gpuMemoryMiB("qwen-32b") === 21_000, "the runtime to see the memory restored");
    expect(telemetryMemory(config)).toEqual([21_000, 21_000]);

    const answer = await held;
    expect(answer.status).toBe(200);
    expect((await postJson(url, "/v1/chat/completions", chat)).status).toBe(200);
  });

  test("fault switches flipped at run time through /_sim/faults: a sleep that leaves memory, a wake that fails", async () => {
    const { url, config } = await startBackend("");
    const faults = await fetch(`${url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sleepLeavesMiB: 7000, failWake: true }),
    });
    expect(await faults.json()).toMatchObject({ sleepLeavesMiB: 7000, failWake: true });

    expect((await post(url, "/sleep?level=1")).status).toBe(200);
    await waitFor(() => runtime!.gpuMemoryMiB("qwen-32b") === 9450, "the leaky sleep to be reported");
    expect(telemetryMemory(config)).toEqual([9450, 9450]);

    const failed = await post(url, "/wake_up");
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { error: { message: string; code: number } }).error).toMatchObject({
      code: 500,
      message: expect.stringMatching(/CUDA Error: out of memory/),
    });
    // Unusable: still asleep, still holding what it held, and a request is never served.
    expect(await isSleeping(url)).toBe(true);
    expect(telemetryMemory(config)).toEqual([9450, 9450]);
    expect(await answerWithin(url, 400)).toBe("pending");

    // Only a restart brings it back (the lab's fallback: a cold start).
    await runtime!.restart("qwen-32b");
    await waitFor(() => runtime!.isLoaded("qwen-32b"), "the backend to load again");
    expect(await isSleeping(url)).toBe(false);
    expect(runtime!.gpuMemoryMiB("qwen-32b")).toBeNull();
    expect(telemetryMemory(config)).toEqual([21_000, 21_000]);
    expect((await postJson(url, "/v1/chat/completions", chat)).status).toBe(200);
  });

  test("the same faults from the backend's sim block", async () => {
    const { url } = await startBackend(", sleepLeavesMiB: 3000, failWake: true");
    expect((await post(url, "/sleep?level=1")).status).toBe(200);
    await waitFor(() => runtime!.gpuMemoryMiB("qwen-32b") === 5450, "the leaky sleep to be reported");
    expect((await post(url, "/wake_up")).status).toBe(500);
  });
});

describe("level 2", () => {
  test("wakes slower: the wake only maps the weights, reload_weights reads them from disk; without it the answers are garbage", async () => {
    const options = { servedModel: MODEL, zeroLatency: true, enableSleepMode: true, serverDevMode: true, weightsMiB: 14_000 };
    // Level 1: 14,000 MiB at 70,000 MiB/s = 300 ms; level 2: 14,000 MiB at 7,000 MiB/s = 2,100 ms, in the reload.
    const sim = await spawnSimulator({ ...options, hostToGpuMiBps: 70_000, diskMiBps: 7000 });
    procs.push(sim);
    const content = async () => {
      const res = await postJson(sim.url, "/v1/chat/completions", { ...chat, max_tokens: 8, seed: 3 });
      expect(res.status).toBe(200);
      return ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content;
    };
    const before = await waitUntil("a served request", async () => ((await postJson(sim.url, "/v1/chat/completions", chat)).ok ? content() : undefined));
    const timed = async (paths: string[]) => {
      const started = performance.now();
      for (const path of paths) {
        const init = path === "/collective_rpc" ? { body: JSON.stringify({ method: "reload_weights" }), headers: { "content-type": "application/json" } } : {};
        expect((await fetch(`${sim.url}${path}`, { method: "POST", ...init })).status).toBe(200);
      }
      return performance.now() - started;
    };
    expect((await post(sim.url, "/sleep?level=1")).status).toBe(200);
    const level1 = await timed(["/wake_up"]);
    expect(await content()).toBe(before);

    expect((await post(sim.url, "/sleep?level=2")).status).toBe(200);
    const level2 = await timed(["/wake_up?tags=weights", "/collective_rpc", "/wake_up?tags=kv_cache"]);
    expect(level2).toBeGreaterThanOrEqual(2050);
    expect(level2).toBeGreaterThan(level1 + 1000);
    expect((await sim.state()).sleep).toMatchObject({ phase: "awake", memoryPerGpuMiB: 20_000, weightsLoaded: true });
    expect(await content()).toBe(before);

    // A plain wake after level 2 is quick, and wrong: every token is "!" until the reload.
    expect((await post(sim.url, "/sleep?level=2")).status).toBe(200);
    expect(await timed(["/wake_up"])).toBeLessThan(1500);
    expect(await content()).toMatch(/^!+$/);
  });
});
