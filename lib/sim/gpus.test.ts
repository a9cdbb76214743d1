import { describe, expect, test } from "vitest";
import { createSimulatedGpus, SIMULATED_GPU, type SimulatedGpuLoad } from "./gpus";

function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

function gpu<T>(samples: T[], index: number): T {
  const sample = samples[index];
  if (!sample) throw new Error(`no sample for GPU ${index}`);
  return sample;
}

const ready = (activity: number, gpus: number[] = [0], memoryMiB = 20_000): SimulatedGpuLoad => ({
  id: "qwen-7b",
  gpus,
  state: "ready",
  memoryMiB,
  activity,
});

describe("simulated GPUs", () => {
  test("two idle RTX 3090s by default", () => {
    const clock = fakeClock();
    const samples = createSimulatedGpus({ now: clock.now }).sample([]);
    expect(samples.map((s) => s.index)).toEqual([0, 1]);
    for (const s of samples) {
      expect(s.name).toBe("NVIDIA GeForce RTX 3090");
      expect(s.at).toBe(clock.now());
      expect(s.memoryTotalMiB).toBe(24_576);
      expect(s.powerLimitW).toBe(350);
      expect(s.utilizationPct).toBe(0);
      expect(s.memoryUsedMiB).toBeLessThan(100);
      expect(s.powerDrawW).toBeGreaterThanOrEqual(25);
      expect(s.powerDrawW).toBeLessThanOrEqual(30);
      expect(s.smClockMHz).toBe(210);
      expect(s.temperatureC).toBeGreaterThan(25);
      expect(s.temperatureC).toBeLessThan(45);
    }
    expect(new Set(samples.map((s) => s.uuid)).size).toBe(2);
  });

  test("count sets the number of GPUs", () => {
    expect(createSimulatedGpus({ count: 4, now: () => 0 }).sample([])).toHaveLength(4);
  });

  test("load raises utilization and power at once, temperature and fan over time", () => {
    const clock = fakeClock();
    const gpus = createSimulatedGpus({ now: clock.now });
    const idle = gpu(gpus.sample([ready(0)]), 0);
    const first = gpu(gpus.sample([ready(1)]), 0);
    expect(first.utilizationPct).toBeGreaterThan(90);
    expect(first.powerDrawW).toBeGreaterThan(300);
    expect(first.smClockMHz).toBeGreaterThanOrEqual(1695);
    expect(first.smClockMHz).toBeLessThanOrEqual(1950);
    // No time has passed: the die has not warmed up yet.
    expect(first.temperatureC).toBe(idle.temperatureC);

    const temperatures: number[] = [];
    let last = first;
    for (let i = 0; i < 120; i++) {
      clock.advance(1000);
      last = gpu(gpus.sample([ready(1)]), 0);
      temperatures.push(last.temperatureC ?? 0);
    }
    expect(temperatures[5]).toBeGreaterThan(idle.temperatureC ?? 0);
    expect(temperatures.at(-1)).toBeGreaterThan(temperatures[5] ?? 0);
    expect(temperatures.at(-1)).toBeGreaterThanOrEqual(70);
    expect(temperatures.at(-1)).toBeLessThanOrEqual(85);
    // Never jumps: each second moves it by a fraction of the remaining distance.
    for (let i = 1; i < temperatures.length; i++) expect(temperatures[i]).toBeGreaterThanOrEqual(temperatures[i - 1] ?? 0);
    expect(last.fanPct).toBeGreaterThan(idle.fanPct ?? 100);
    // The other GPU stayed idle.
    expect(gpu(gpus.sample([ready(1)]), 1).utilizationPct).toBe(0);
  });

  test("utilization follows activity and cools down when the load ends", () => {
    const clock = fakeClock();
    const gpus = createSimulatedGpus({ now: clock.now });
    const light = gpu(gpus.sample([ready(0.05)]), 0);
    clock.advance(1000);
    const heavy = gpu(gpus.sample([ready(0.8)]), 0);
    expect(light.utilizationPct).toBeGreaterThan(0);
    expect(heavy.utilizationPct).toBeGreaterThan(light.utilizationPct ?? 100);
    expect(heavy.powerDrawW).toBeGreaterThan(light.powerDrawW ?? 1000);

    for (let i = 0; i < 60; i++) {
      clock.advance(1000);
      gpus.sample([ready(1)]);
    }
    const hot = gpu(gpus.sample([ready(1)]), 0);
    clock.advance(1000);
    const justIdle = gpu(gpus.sample([ready(0)]), 0);
    expect(justIdle.utilizationPct).toBe(0);
    expect(justIdle.smClockMHz).toBe(210);
    expect(justIdle.powerDrawW).toBeLessThan(50);
    for (let i = 0; i < 30; i++) {
      clock.advance(1000);
      gpus.sample([ready(0)]);
    }
    clock.advance(1000);
    const cooled = gpu(gpus.sample([ready(0)]), 0);
    expect(cooled.temperatureC).toBeLessThan(hot.temperatureC ?? 0);
    expect(cooled.temperatureC).toBeGreaterThan(40); // still warm after 30 s
  });

  test("the same clock and loads give the same numbers", () => {
    const run = () => {
      const clock = fakeClock();
      const gpus = createSimulatedGpus({ now: clock.now });
      const out = [];
      for (let i = 0; i < 20; i++) {
        clock.advance(1000);
        out.push(gpus.sample([ready(0.3 + (i % 5) / 10)]));
      }
      return out;
    };
    expect(run()).toEqual(run());
  });

  test("memory ramps while loading, holds while ready and stopping, and is released a while after stop", () => {
    const clock = fakeClock();
    const gpus = createSimulatedGpus({ now: clock.now, loadRampMs: 1000, releaseDelayMs: 500 });
    const load = (state: SimulatedGpuLoad["state"]): SimulatedGpuLoad[] => [{ id: "b", gpus: [1], state, memoryMiB: 20_000, activity: 0 }];
    const used = (samples: ReturnType<typeof gpus.sample>) => gpu(samples, 1).memoryUsedMiB ?? -1;

    const start = used(gpus.sample(load("loading")));
    clock.advance(250);
    const quarter = used(gpus.sample(load("loading")));
    clock.advance(250);
    const half = used(gpus.sample(load("loading")));
    expect(start).toBeLessThan(100);
    expect(quarter).toBeGreaterThan(start);
    expect(half).toBeGreaterThan(quarter);
    expect(half).toBeLessThan(20_000);
    clock.advance(400);
    expect(used(gpus.sample(load("ready")))).toBeGreaterThanOrEqual(20_000);
    clock.advance(5000);
    expect(used(gpus.sample(load("stopping")))).toBeGreaterThanOrEqual(20_000);
    clock.advance(5000);
    expect(used(gpus.sample(load("stopped")))).toBeGreaterThanOrEqual(20_000);
    clock.advance(300);
    expect(used(gpus.sample(load("stopped")))).toBeGreaterThanOrEqual(20_000);
    clock.advance(300);
    expect(used(gpus.sample(load("stopped")))).toBeLessThan(100);
    expect(used(gpus.sample([]))).toBeLessThan(100);
  });

  test("a process that disappears from the loads is released after the delay too", () => {
    const clock = fakeClock();
    const gpus = createSimulatedGpus({ now: clock.now, releaseDelayMs: 500 });
    expect(gpu(gpus.sample([ready(0.2)]), 0).memoryUsedMiB).toBeGreaterThanOrEqual(20_000);
    clock.advance(1000);
    expect(gpu(gpus.sample([]), 0).memoryUsedMiB).toBeGreaterThanOrEqual(20_000);
    clock.advance(499);
    expect(gpu(gpus.sample([]), 0).memoryUsedMiB).toBeGreaterThanOrEqual(20_000);
    clock.advance(1);
    expect(gpu(gpus.sample([]), 0).memoryUsedMiB).toBeLessThan(100);
  });

  test("without memoryMiB a loaded process holds 85-90 % of the card, like gpu_memory_utilization", () => {
    const samples = createSimulatedGpus({ now: () => 0 }).sample([{ id: "x", gpus: [0], state: "ready", activity: 0 }]);
    const share = (gpu(samples, 0).memoryUsedMiB ?? 0) / SIMULATED_GPU.memoryTotalMiB;
    expect(share).toBeGreaterThanOrEqual(0.85);
    expect(share).toBeLessThanOrEqual(0.9);
  });

  test("a tensor-parallel backend occupies both GPUs", () => {
    const samples = createSimulatedGpus({ now: () => 0 }).sample([ready(0.5, [0, 1], 21_000)]);
    for (const s of samples) {
      expect(s.memoryUsedMiB).toBeGreaterThanOrEqual(21_000);
      expect(s.utilizationPct).toBeGreaterThan(50);
    }
  });

  test("never exceeds the card's memory or the power cap, whatever is asked of it", () => {
    const clock = fakeClock();
    const gpus = createSimulatedGpus({ now: clock.now, loadRampMs: 0 });
    const loads: SimulatedGpuLoad[] = [
      { id: "a", gpus: [0], state: "ready", memoryMiB: 20_000, activity: 1 },
      { id: "b", gpus: [0, 1], state: "ready", memoryMiB: 20_000, activity: 1 },
      { id: "c", gpus: [1, 7], state: "loading", memoryMiB: 99_999, activity: 5 },
      { id: "d", gpus: [1], state: "ready", memoryMiB: 1_000, activity: Number.NaN },
    ];
    for (let i = 0; i < 600; i++) {
      clock.advance(1000);
      for (const s of gpus.sample(loads)) {
        expect(s.memoryUsedMiB).toBeLessThanOrEqual(s.memoryTotalMiB ?? 0);
        expect(s.powerDrawW).toBeLessThanOrEqual(350);
        expect(s.utilizationPct).toBeLessThanOrEqual(100);
        expect(s.fanPct).toBeLessThanOrEqual(100);
        expect(s.smClockMHz).toBeGreaterThanOrEqual(1695);
        expect(s.smClockMHz).toBeLessThanOrEqual(1950);
      }
    }
    expect(gpus.sample(loads).map((s) => s.memoryUsedMiB)).toEqual([24_576, 24_576]);
  });
});
