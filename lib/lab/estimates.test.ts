import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { EventBus } from "@/lib/events/bus";
import { systemClock } from "./clock";
import { LabEstimates, type TimingStore } from "./estimates";
import type { TimingSample } from "./estimator";
import { createTestLab, labYaml, settle, type TestLab } from "./test-support";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Timings kept in memory as the database would keep them. */
class MemoryStore implements TimingStore {
  readonly rows: (TimingSample & { operationId: string | null })[] = [];
  async load() {
    return this.rows.map((row) => ({ ...row }));
  }
  async save(samples: TimingSample[], operationId: string | null) {
    this.rows.push(...samples.map((sample) => ({ ...sample, operationId })));
  }
}

async function startLab(store = new MemoryStore()) {
  const bus = new EventBus();
  const lab = createTestLab({ loadTimeoutMs: 120_000 }, { bus });
  const config = parseLabConfig(labYaml);
  const estimates = await LabEstimates.start({ config: () => config, bus, runningOperation: () => lab.controller.runningOperation(), clock: systemClock, store });
  return { lab, estimates, store };
}

async function restartTaking(lab: TestLab, loadMs: number): Promise<void> {
  lab.runtime.loadMs = loadMs;
  lab.controller.restartBackend("qwen-7b", "test");
  await settle(lab);
}

describe("recorded timings", () => {
  test("each restart's load is recorded, and the 7B's expected load follows them: 10 s, then 11 s, then 12 s after a 40 s one", async () => {
    const { lab, estimates, store } = await startLab();
    // Before any history: the schema's default sim.loadMs for a backend without a sim block.
    expect(estimates.backendReady("qwen-7b")).toEqual({ expectedMs: 1_500, basis: "default", samples: 0 });
    expect(estimates.backendLoadRemaining("qwen-7b", Date.now() - 500)).toMatchObject({ remainingMs: 1_000, overdue: false, basis: "default" });

    await restartTaking(lab, 10_000);
    const first = estimates.backendReady("qwen-7b");
    expect(first.basis).toBe("history");
    // Loads are polled every 100 ms, so a load shows up to a poll later than the engine took.
    expect(first.expectedMs).toBeGreaterThanOrEqual(10_000);
    expect(first.expectedMs).toBeLessThan(10_500);

    await restartTaking(lab, 12_000);
    expect(estimates.backendReady("qwen-7b").expectedMs).toBeGreaterThanOrEqual(11_000);
    expect(estimates.backendReady("qwen-7b").expectedMs).toBeLessThan(11_500);

    await restartTaking(lab, 40_000);
    expect(estimates.backendReady("qwen-7b")).toMatchObject({ basis: "history", samples: 3 });
    expect(estimates.backendReady("qwen-7b").expectedMs).toBeGreaterThanOrEqual(12_000);
    expect(estimates.backendReady("qwen-7b").expectedMs).toBeLessThan(12_500);

    // The whole restart and each step are on record too, and were saved with their operation's id.
    const restart = estimates.estimator.restart("qwen-7b");
    expect(restart).toMatchObject({ basis: "history", samples: 3 });
    expect(Object.keys(restart.steps)).toEqual(expect.arrayContaining(["drain", "stop_containers", "start_containers", "wait_ready", "resume_admitting"]));
    await estimates.flush();
    expect(store.rows.filter((row) => row.kind === "cold_load").map((row) => row.backendId)).toEqual(["qwen-7b", "qwen-7b", "qwen-7b"]);
    expect(new Set(store.rows.map((row) => row.operationId)).size).toBe(3);
    estimates.stop();
  });

  test("a switch records its whole time, its steps, the entering backends' loads and the leaving ones' stops", async () => {
    const { lab, estimates, store } = await startLab();
    lab.runtime.loadMs = 8_000;
    lab.controller.activateMode("deep", "test");
    await settle(lab);
    await estimates.flush();
    const kinds = store.rows.map((row) => `${row.kind}:${row.backendId ?? `${row.fromMode}->${row.toMode}`}${row.step ? `:${row.step}` : ""}`);
    expect(kinds).toEqual(expect.arrayContaining(["switch:standard->deep", "switch_step:standard->deep:wait_ready", "cold_load:qwen-32b", "stop:qwen-7b", "stop:qwen-14b"]));
    expect(kinds.some((kind) => kind.startsWith("cold_load:qwen-7b"))).toBe(false);
    const expected = estimates.estimator.modeSwitch("standard", "deep");
    expect(expected.basis).toBe("history");
    expect(expected.expectedMs).toBeGreaterThan(8_000);
    expect(expected.steps.wait_ready?.expectedMs).toBeGreaterThan(7_000);
  });

  test("failures are kept out: a restart whose start fails records nothing", async () => {
    const { lab, estimates, store } = await startLab();
    lab.runtime.failStart.add("qwen-7b");
    lab.controller.restartBackend("qwen-7b", "test");
    await settle(lab);
    await estimates.flush();
    expect(store.rows).toEqual([]);
    expect(estimates.backendReady("qwen-7b").basis).toBe("default");
  });

  test("the history is read back at start: a new Switchyard expects what the last one measured", async () => {
    const store = new MemoryStore();
    const { lab, estimates } = await startLab(store);
    await restartTaking(lab, 20_000);
    await estimates.flush();
    estimates.stop();
    const again = await startLab(store);
    expect(again.estimates.backendReady("qwen-7b")).toMatchObject({ basis: "history", samples: 1 });
    expect(again.estimates.backendReady("qwen-7b").expectedMs).toBe(estimates.backendReady("qwen-7b").expectedMs);
  });

  test("the running operation's remaining time counts down from its expectation", async () => {
    const { lab, estimates } = await startLab();
    await restartTaking(lab, 10_000);
    const usual = estimates.estimator.restart("qwen-7b").expectedMs;
    expect(estimates.runningOperation()).toBeNull();

    lab.runtime.loadMs = 30_000;
    const { operationId } = lab.controller.restartBackend("qwen-7b", "test");
    await vi.advanceTimersByTimeAsync(4_000);
    const running = estimates.runningOperation();
    expect(running?.operationId).toBe(operationId);
    expect(running?.remaining).toMatchObject({ expectedMs: usual, elapsedMs: 4_000, remainingMs: usual - 4_000, overdue: false, basis: "history" });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(estimates.runningOperation()?.remaining).toMatchObject({ remainingMs: 0, overdue: true });
    await settle(lab);
  });
});
