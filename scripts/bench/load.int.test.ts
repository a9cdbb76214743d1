import { afterAll, beforeAll, expect, test } from "vitest";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import { processCpuClock } from "./cpu-time";
import { measureLatency, measureThroughput, type LoadTarget } from "./load";

let sim: SimulatorProcess;
let chat: LoadTarget;

beforeAll(async () => {
  sim = await spawnSimulator({ servedModel: "bench-model", zeroLatency: true, maxNumSeqs: 64 }, { waitReady: true });
  chat = { name: "chat", origin: sim.url, path: "/v1/chat/completions", body: { model: "bench-model", messages: [{ role: "user", content: "hi" }], max_tokens: 8 } };
});

afterAll(async () => {
  await sim?.stop();
});

test("latency runs count every successful request and report failures as errors, not as fast samples", async () => {
  const wrongModel: LoadTarget = { ...chat, name: "wrong-model", body: { ...chat.body, model: "no-such-model" } };
  const results = await measureLatency([chat, wrongModel], { warmup: 5, requests: 40 });
  expect(results.chat).toMatchObject({ count: 40, errors: 0 });
  expect(results.chat?.p50).toBeGreaterThan(0);
  expect(results.chat?.p99).toBeGreaterThanOrEqual(results.chat?.p50 ?? Infinity);
  expect(results["wrong-model"]).toMatchObject({ count: 0, errors: 40 });
});

test("streamed runs time the first content event of every stream", async () => {
  const results = await measureLatency([chat], { warmup: 2, requests: 20, stream: true });
  expect(results.chat).toMatchObject({ count: 20, errors: 0 });
  expect(results.chat?.p50).toBeGreaterThan(0);
});

test("throughput alternates windows, one rate per round, with the CPU the simulator spent per request", async () => {
  const other: LoadTarget = { ...chat, name: "other" };
  const results = await measureThroughput(
    [chat, other],
    { concurrency: 4, warmupMs: 100, secondsPerTarget: 0.6, rounds: 3, rampMs: 50, settleMs: 20 },
    { simulator: processCpuClock(sim.pid) },
  );
  for (const name of ["chat", "other"]) {
    const result = results[name];
    expect(result?.windows).toHaveLength(3);
    expect(result?.spans).toHaveLength(3);
    expect(result?.errors).toBe(0);
    expect(result?.requestsPerSecond).toBeGreaterThan(0);
    expect(result?.completed).toBeCloseTo((result?.requestsPerSecond ?? 0) * 0.6, 6);
    if (process.platform === "linux") expect(result?.cpuMsPerRequest.simulator).toBeGreaterThanOrEqual(0);
  }
  const [chatSpan] = results.chat?.spans ?? [];
  const [otherSpan] = results.other?.spans ?? [];
  expect(chatSpan && otherSpan && chatSpan.endUs <= otherSpan.startUs).toBe(true);
});
