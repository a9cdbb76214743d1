import { afterAll, beforeAll, expect, test } from "vitest";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import { overloadSettings, runOverloadPhase, untilSimulatorIdle, type OverloadSettings } from "./overload";

// The phase runner straight against the simulator (no gateway in between: the lanes' route is the served model).
let sim: SimulatorProcess;
const base = overloadSettings(true);
const settings: OverloadSettings = {
  ...base,
  simulator: { maxNumSeqs: 2, ttftMs: 20, tokensPerSecond: 200 },
  batch: { concurrency: 4, minTokens: 8, maxTokens: 24, maxBackoffMs: 100 },
  interactive: { intervalMs: 100, maxTokens: 4 },
  rampSeconds: 0.3,
};
const routes = { interactive: "m", batch: "m" };

beforeAll(async () => {
  sim = await spawnSimulator({ servedModel: "m", ...settings.simulator }, { waitReady: true });
});

afterAll(async () => {
  await sim?.stop();
});

test("alone, the interactive client sends on schedule and every request is served with a TTFT", async () => {
  const phase = await runOverloadPhase(sim.url, sim, routes, settings, { withBatch: false, seconds: 1 });
  expect(phase.batch).toEqual([]);
  expect(phase.interactive).toHaveLength(10);
  expect(phase.interactive.every((r) => r.outcome === "served" && (r.ttftMs ?? 0) >= 15)).toBe(true);
  expect(phase.window.endMs - phase.window.startMs).toBeCloseTo(1000, 6);
});

test("beside the batch client the engine queues, and the batch requests in flight at the end are waited for", async () => {
  const phase = await runOverloadPhase(sim.url, sim, routes, settings, { withBatch: true, seconds: 1 });
  expect(phase.interactive).toHaveLength(10);
  const all = [...phase.interactive, ...phase.batch];
  expect(all.filter((r) => r.outcome !== "served")).toEqual([]);
  expect(phase.batch.every((r) => r.lane === "batch")).toBe(true);
  // 4 batch streams on 2 sequences: the simulator's own queue fills.
  expect(Math.max(...(phase.simulator?.waiting ?? [0]))).toBeGreaterThan(0);
  // Batch requests started before the window ended; the phase returned only after they ended.
  expect(phase.batch.some((r) => r.endedMs > phase.window.endMs)).toBe(true);
  const state = await sim.state();
  expect(state.running + state.waiting).toBe(0);
  await untilSimulatorIdle(sim, 1000);
});
