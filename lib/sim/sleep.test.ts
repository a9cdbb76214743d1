import { afterEach, describe, expect, test } from "vitest";
import { serverDevModeFromEnv } from "./cli-args";
import { parseSimulatorOptions, type SimulatorOptionsInput } from "./options";
import { startSimulator, type RunningSimulator } from "./server";
import { heldMemoryMiB, reloadDurationMs, sleepDurationMs, sleepMemoryModel, wakeDurationMs } from "./sleep";
import { postJson, sseChunks, type ChatChunk } from "./test-support";

const MODEL = "qwen2.5-7b-instruct";
const chat = { model: MODEL, messages: [{ role: "user", content: "hi" }], max_tokens: 4 };

describe("the memory model", () => {
  test("defaults: one GPU keeps a few hundred MiB asleep, tensor parallel GPUs keep more", () => {
    const one = sleepMemoryModel(parseSimulatorOptions({ memoryMiB: 20_000 }));
    expect(one).toMatchObject({ memoryMiB: 20_000, residueMiB: 480, weightsTotalMiB: 14_000, weightsPerGpuMiB: 14_000 });
    const two = sleepMemoryModel(parseSimulatorOptions({ memoryMiB: 21_000, tensorParallelSize: 2, weightsMiB: 18_500 }));
    expect(two).toMatchObject({ residueMiB: 2450, weightsPerGpuMiB: 9250, weightsTotalMiB: 18_500 });
  });

  test("asleep holds the residue plus what a faulty sleep left; woken tags hold their share again", () => {
    const model = sleepMemoryModel(parseSimulatorOptions({ memoryMiB: 20_000, weightsMiB: 14_000 }));
    expect(heldMemoryMiB(model, new Set(), 0)).toBe(20_000);
    expect(heldMemoryMiB(model, new Set(["weights", "kv_cache"]), 0)).toBe(480);
    expect(heldMemoryMiB(model, new Set(["weights", "kv_cache"]), 3000)).toBe(3480);
    // Weights back, KV cache still released.
    expect(heldMemoryMiB(model, new Set(["kv_cache"]), 0)).toBe(14_480);
    // What was left behind can never exceed what the engine holds awake.
    expect(heldMemoryMiB(model, new Set(["weights", "kv_cache"]), 50_000)).toBe(20_000);
  });

  test("wake time follows the weights: host RAM per GPU at level 1; at level 2 the wake only maps, the reload reads the whole model from disk", () => {
    const model = sleepMemoryModel(
      parseSimulatorOptions({ memoryMiB: 21_000, tensorParallelSize: 2, weightsMiB: 18_000, hostToGpuMiBps: 6000, diskMiBps: 2000 }),
    );
    const all = new Set(["weights", "kv_cache"] as const);
    expect(wakeDurationMs(model, 1, all)).toBeCloseTo(100 + (9000 / 6000) * 1000);
    expect(wakeDurationMs(model, 2, all)).toBe(100);
    expect(reloadDurationMs(model)).toBeCloseTo(100 + (18_000 / 2000) * 1000);
    expect(wakeDurationMs(model, 1, new Set(["kv_cache"] as const))).toBe(100);
    expect(sleepDurationMs(model, 1)).toBeCloseTo(100 + 1500);
    expect(sleepDurationMs(model, 2)).toBe(100);
    expect(sleepDurationMs(model, 0)).toBe(0);
  });

  test("VLLM_SERVER_DEV_MODE is read as vLLM does: bool(int(value))", () => {
    expect(serverDevModeFromEnv("1")).toBe(true);
    expect(serverDevModeFromEnv("0")).toBe(false);
    expect(serverDevModeFromEnv("true")).toBe(false);
    expect(serverDevModeFromEnv(undefined)).toBe(false);
  });
});

describe("the sleep state machine over HTTP", () => {
  let sim: RunningSimulator | null = null;
  afterEach(async () => {
    await sim?.close();
    sim = null;
  });

  const FAST: SimulatorOptionsInput = {
    servedModel: MODEL,
    zeroLatency: true,
    serverDevMode: true,
    enableSleepMode: true,
    memoryMiB: 20_000,
    weightsMiB: 14_000,
    // 14,000 MiB at 70,000 MiB/s: a 200 ms copy + 100 ms overhead = a 300 ms wake.
    hostToGpuMiBps: 70_000,
  };
  const start = async (options: SimulatorOptionsInput = {}) => {
    sim = await startSimulator({ ...FAST, ...options });
    return sim;
  };
  const isSleeping = async (s: RunningSimulator) => ((await (await fetch(`${s.url}/is_sleeping`)).json()) as { is_sleeping: boolean }).is_sleeping;

  test("sleep frees memory and pauses; a request while asleep waits and is served after the wake", async () => {
    const s = await start();
    expect(s.state().sleep).toMatchObject({ phase: "awake", memoryPerGpuMiB: 20_000, isSleeping: false });
    const slept = await fetch(`${s.url}/sleep?level=1`, { method: "POST" });
    expect(slept.status).toBe(200);
    expect(await slept.text()).toBe("");
    expect(await isSleeping(s)).toBe(true);
    expect(s.state().sleep).toMatchObject({ phase: "asleep", level: 1, sleepingTags: ["weights", "kv_cache"], memoryPerGpuMiB: 480 });

    let answered = false;
    const pending = postJson(s.url, "/v1/chat/completions", chat).then((res) => {
      answered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(answered).toBe(false);

    const wakeStarted = Date.now();
    expect((await fetch(`${s.url}/wake_up`, { method: "POST" })).status).toBe(200);
    expect(Date.now() - wakeStarted).toBeGreaterThanOrEqual(280);
    expect(s.state().sleep).toMatchObject({ phase: "awake", level: null, memoryPerGpuMiB: 20_000 });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: unknown[] }).choices).toHaveLength(1);
  });

  test("wake_up with tags=weights brings back the weights only; scheduling stays paused until kv_cache is back", async () => {
    const s = await start();
    await fetch(`${s.url}/sleep?level=1`, { method: "POST" });
    expect((await fetch(`${s.url}/wake_up?tags=weights`, { method: "POST" })).status).toBe(200);
    expect(s.state().sleep).toMatchObject({ phase: "asleep", sleepingTags: ["kv_cache"], memoryPerGpuMiB: 14_480, isSleeping: true });
    expect((await fetch(`${s.url}/wake_up?tags=kv_cache`, { method: "POST" })).status).toBe(200);
    expect(s.state().sleep).toMatchObject({ phase: "awake", sleepingTags: [], memoryPerGpuMiB: 20_000, isSleeping: false });
  });

  test("level 0 only pauses: memory stays, is_sleeping is true, a plain wake_up resumes", async () => {
    const s = await start();
    await fetch(`${s.url}/sleep?level=0`, { method: "POST" });
    expect(s.state().sleep).toMatchObject({ phase: "paused", isSleeping: true, memoryPerGpuMiB: 20_000 });
    await fetch(`${s.url}/wake_up?tags=scheduling`, { method: "POST" });
    expect(await isSleeping(s)).toBe(false);
  });

  test("without --enable-sleep-mode a sleep answers 200 and pauses, but frees nothing", async () => {
    const s = await start({ enableSleepMode: false });
    expect((await fetch(`${s.url}/sleep?level=1`, { method: "POST" })).status).toBe(200);
    expect(await isSleeping(s)).toBe(true);
    expect(s.state().sleep.memoryPerGpuMiB).toBe(20_000);
  });

  test("bad level or mode: a 400 naming the parameter; wrong method: 405", async () => {
    const s = await start();
    const bad = await fetch(`${s.url}/sleep?level=3`, { method: "POST" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/level must be 0, 1 or 2/);
    expect((await fetch(`${s.url}/sleep?mode=later`, { method: "POST" })).status).toBe(400);
    expect((await fetch(`${s.url}/sleep`)).status).toBe(405);
    expect(await isSleeping(s)).toBe(false);
  });

  test("mode abort ends in-flight requests; mode wait lets them finish first", async () => {
    const s = await start({ zeroLatency: false, ttftMs: 0, tokensPerSecond: 20 });
    const streaming = postJson(s.url, "/v1/chat/completions", { ...chat, max_tokens: 200, stream: true }).then((res) => res.text());
    await new Promise((resolve) => setTimeout(resolve, 150));
    await fetch(`${s.url}/sleep?level=1`, { method: "POST" });
    const text = await streaming;
    expect(text).not.toContain("[DONE]");
    expect(s.state().totals.aborted).toBe(1);
    await fetch(`${s.url}/wake_up`, { method: "POST" });

    const finishing = postJson(s.url, "/v1/chat/completions", { ...chat, max_tokens: 6, stream: true }).then((res) => res.text());
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fetch(`${s.url}/sleep?level=1&mode=wait`, { method: "POST" });
    expect(await finishing).toContain("[DONE]");
    expect(s.state().totals.aborted).toBe(1);
  });

  const answer = async (s: RunningSimulator, stream = false): Promise<string> => {
    const res = await postJson(s.url, "/v1/chat/completions", { ...chat, max_tokens: 12, seed: 7, stream });
    expect(res.status).toBe(200);
    if (stream) return sseChunks<ChatChunk>(await res.text()).map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    return ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? "";
  };
  const completion = async (s: RunningSimulator): Promise<string> => {
    const res = await postJson(s.url, "/v1/completions", { model: MODEL, prompt: "Once upon a time", max_tokens: 8, seed: 7 });
    return ((await res.json()) as { choices: { text: string }[] }).choices[0]?.text ?? "";
  };
  const rpc = (s: RunningSimulator, body: string) => fetch(`${s.url}/collective_rpc`, { method: "POST", headers: { "content-type": "application/json" }, body });

  test("level 2: a plain wake_up maps the weights back without their content, and the engine answers garbage until reload_weights", async () => {
    const s = await start({ diskMiBps: 70_000 });
    const [before, beforeStreamed, beforeCompletion] = [await answer(s), await answer(s, true), await completion(s)];
    expect(before).toMatch(/[a-z]{2,}/i);
    expect(beforeStreamed).toBe(before);

    await fetch(`${s.url}/sleep?level=2`, { method: "POST" });
    expect(s.state().sleep).toMatchObject({ phase: "asleep", level: 2, weightsLoaded: false });
    expect((await fetch(`${s.url}/wake_up`, { method: "POST" })).status).toBe(200);
    // Awake and serving: 200s of the same length, every token the garbage token (what NaN logits decode to).
    expect(s.state().sleep).toMatchObject({ phase: "awake", isSleeping: false, memoryPerGpuMiB: 20_000, weightsLoaded: false });
    const garbage = await answer(s);
    expect(garbage).toMatch(/^!+$/);
    expect(await answer(s, true)).toBe(garbage);
    expect(await completion(s)).toMatch(/^!+$/);

    const reloadStarted = Date.now();
    const reloaded = await rpc(s, JSON.stringify({ method: "reload_weights" }));
    expect(reloaded.status).toBe(200);
    expect(await reloaded.json()).toEqual({ results: [null] });
    // 14,000 MiB from disk at 70,000 MiB/s: 200 ms + 100 ms overhead.
    expect(Date.now() - reloadStarted).toBeGreaterThanOrEqual(280);
    expect(s.state().sleep.weightsLoaded).toBe(true);
    expect([await answer(s), await answer(s, true), await completion(s)]).toEqual([before, beforeStreamed, beforeCompletion]);

    // Waking the tags one by one without the reload is no better.
    await fetch(`${s.url}/sleep?level=2`, { method: "POST" });
    await fetch(`${s.url}/wake_up?tags=weights`, { method: "POST" });
    await fetch(`${s.url}/wake_up?tags=kv_cache`, { method: "POST" });
    expect(await answer(s)).toBe(garbage);
  });

  test("level 2 on an embedding model: without reload_weights every input gets one and the same vector", async () => {
    const s = await start({ servedModel: "bge-small-en-v1.5", kind: "embedding", diskMiBps: 70_000 });
    const embed = async () => {
      const res = await postJson(s.url, "/v1/embeddings", { model: "bge-small-en-v1.5", input: ["red", "blue"] });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: { embedding: number[] }[] }).data.map((d) => d.embedding);
    };
    const [red, blue] = await embed();
    expect(red).not.toEqual(blue);
    await fetch(`${s.url}/sleep?level=2`, { method: "POST" });
    await fetch(`${s.url}/wake_up`, { method: "POST" });
    const [garbledRed, garbledBlue] = await embed();
    expect(garbledRed).toEqual(garbledBlue);
    expect(garbledRed).not.toEqual(red);
    expect((await rpc(s, JSON.stringify({ method: "reload_weights" }))).status).toBe(200);
    expect(await embed()).toEqual([red, blue]);
  });

  test("level 2 as vLLM documents it: wake_up?tags=weights, reload_weights, wake_up?tags=kv_cache; a reload into sleeping weights is a 500", async () => {
    const s = await start({ diskMiBps: 70_000 });
    const before = await answer(s);
    await fetch(`${s.url}/sleep?level=2`, { method: "POST" });
    const early = await rpc(s, JSON.stringify({ method: "reload_weights" }));
    expect(early.status).toBe(500);
    expect(((await early.json()) as { error: { message: string } }).error.message).toMatch(/illegal memory access.*wake_up\?tags=weights first/);
    expect(s.state().sleep).toMatchObject({ phase: "asleep", weightsLoaded: false });

    // A request that arrives while asleep waits, and is answered with the reloaded weights.
    const queued = answer(s);
    expect((await fetch(`${s.url}/wake_up?tags=weights`, { method: "POST" })).status).toBe(200);
    expect((await rpc(s, JSON.stringify({ method: "reload_weights" }))).status).toBe(200);
    expect(s.state().sleep).toMatchObject({ isSleeping: true, sleepingTags: ["kv_cache"], weightsLoaded: true });
    expect((await fetch(`${s.url}/wake_up?tags=kv_cache`, { method: "POST" })).status).toBe(200);
    expect(await queued).toBe(before);
    expect(await answer(s)).toBe(before);
  });

  test("level 1 keeps the weights' content: a plain wake_up answers as before", async () => {
    const s = await start();
    const before = await answer(s);
    await fetch(`${s.url}/sleep?level=1`, { method: "POST" });
    await fetch(`${s.url}/wake_up`, { method: "POST" });
    expect(s.state().sleep.weightsLoaded).toBe(true);
    expect(await answer(s)).toBe(before);
  });

  test("/collective_rpc: a body without method is a 400, a method the simulator does not run a 500, bad JSON a 400; without dev mode a 404", async () => {
    const s = await start();
    const missing = await rpc(s, JSON.stringify({ args: [] }));
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe("Missing 'method' in request body");
    const unknown = await rpc(s, JSON.stringify({ method: "update_config" }));
    expect(unknown.status).toBe(500);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/no attribute 'update_config'/);
    expect((await rpc(s, "{not json")).status).toBe(400);
    expect((await fetch(`${s.url}/collective_rpc`)).status).toBe(405);
    await s.close();
    sim = await startSimulator({ ...FAST, serverDevMode: false });
    expect((await rpc(sim, JSON.stringify({ method: "reload_weights" }))).status).toBe(404);
  });

  test("faults: a sleep that leaves memory behind; a wake that fails leaves the engine asleep for good", async () => {
    const s = await start({ faults: { sleepLeavesMiB: 6000 } });
    await fetch(`${s.url}/sleep?level=1`, { method: "POST" });
    expect(s.state().sleep.memoryPerGpuMiB).toBe(6480);

    s.setFaults({ failWake: true });
    const failed = await fetch(`${s.url}/wake_up`, { method: "POST" });
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { error: { message: string } }).error.message).toMatch(/out of memory/);
    expect(s.state().sleep).toMatchObject({ phase: "failed", isSleeping: true, memoryPerGpuMiB: 6480 });

    // Switching the fault off does not repair the engine: only a restart does.
    s.setFaults({ failWake: false });
    expect((await fetch(`${s.url}/wake_up`, { method: "POST" })).status).toBe(500);
    expect(await isSleeping(s)).toBe(true);
  });
});
