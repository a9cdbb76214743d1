import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { systemClock } from "./clock";
import type { TimingSample } from "./estimator";
import { StartupLoads } from "./startup-loads";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Backends that answer /health from `readyAt` (epoch ms) on, and generate unless listed in `mute`. */
function loads(readyAt: Record<string, number>, options: { mute?: string[]; operationRunning?: () => boolean } = {}) {
  const recorded: TimingSample[] = [];
  const startup = new StartupLoads({
    probeReady: async (id) => (Date.now() >= (readyAt[id] ?? Infinity) ? "ready" : "refused"),
    probeGeneration: async (id) => {
      if (options.mute?.includes(id)) throw new Error("no token");
    },
    clock: systemClock,
    loadTimeoutMs: 30_000,
    pollMs: 250,
    operationRunning: options.operationRunning ?? (() => false),
    record: (samples) => recorded.push(...samples),
  });
  return { startup, recorded };
}

describe("start-up loads", () => {
  test("each started backend gets a cold_load from its start to its first token, measured as wait_ready polls", async () => {
    const t0 = Date.now();
    const { startup, recorded } = loads({ "qwen-7b": t0 + 4_000, "qwen-14b": t0 + 9_000 });
    const done = startup.follow({ "qwen-7b": t0, "qwen-14b": t0 + 500 });
    await vi.advanceTimersByTimeAsync(10_000);
    await done;
    expect(recorded.map((s) => [s.kind, s.backendId, s.durationMs, s.step, s.fromMode, s.toMode])).toEqual([
      ["cold_load", "qwen-7b", 4_000, null, null, null],
      ["cold_load", "qwen-14b", 8_500, null, null, null],
    ]);
  });

  test("a load that never ends, or whose engine never generates, records nothing within the load timeout", async () => {
    const t0 = Date.now();
    const { startup, recorded } = loads({ "qwen-14b": t0 + 1_000 }, { mute: ["qwen-14b"] });
    const done = startup.follow({ "qwen-7b": t0, "qwen-14b": t0 });
    await vi.advanceTimersByTimeAsync(31_000);
    await done;
    expect(recorded).toEqual([]);
  });

  test("an operation that starts meanwhile (a watchdog restart, a switch) takes over: its own timings count, not this span", async () => {
    const t0 = Date.now();
    let operation = false;
    const { startup, recorded } = loads({ "qwen-7b": t0 + 5_000 }, { operationRunning: () => operation });
    const done = startup.follow({ "qwen-7b": t0 });
    await vi.advanceTimersByTimeAsync(2_000);
    operation = true;
    await vi.advanceTimersByTimeAsync(4_000);
    await done;
    expect(recorded).toEqual([]);
  });

  test("stop() ends the following at once: nothing more is recorded", async () => {
    const t0 = Date.now();
    const { startup, recorded } = loads({ "qwen-7b": t0 + 5_000 });
    const done = startup.follow({ "qwen-7b": t0 });
    await vi.advanceTimersByTimeAsync(1_000);
    startup.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await done;
    expect(recorded).toEqual([]);
  });
});
