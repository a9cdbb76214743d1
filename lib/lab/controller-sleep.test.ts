import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { systemClock } from "./clock";
import { AWAKE_MIB, createTestLab, settle, type TestLab } from "./test-support";
import { Watchdog } from "./watchdog";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

async function switchTo(lab: TestLab, mode: string): Promise<{ status: string | undefined; error: string | null | undefined; steps: Map<string, string> }> {
  const before = lab.recorder.steps.length;
  const started = lab.controller.activateMode(mode, "test");
  if (started.status !== "started") throw new Error(`${mode} already active`);
  await settle(lab);
  const op = lab.recorder.operations.find((o) => o.id === started.operationId);
  const steps = new Map(lab.recorder.steps.slice(before).map((s) => [s.name, `${s.status}: ${s.detail ?? ""}`]));
  return { status: op?.status, error: op?.error, steps };
}

function stepNames(lab: TestLab, fromIndex = 0): string[] {
  return lab.recorder.steps.slice(fromIndex).map((s) => `${s.name}:${s.status}`);
}

const memory = (lab: TestLab) => [lab.runtime.memoryUsed(0), lab.runtime.memoryUsed(1)];

describe("a sleep-aware mode switch", () => {
  test("standard -> deep -> standard -> deep: leaving engines sleep, each GPU reads free before the 32B loads, and the way back wakes instead of loading", async () => {
    const lab = createTestLab({}, { sleep: true });

    const toDeep = await switchTo(lab, "deep");
    expect(toDeep.status).toBe("succeeded");
    expect(stepNames(lab)).toEqual([
      "stop_admitting:succeeded",
      "drain:succeeded",
      "sleep_engines:succeeded",
      "stop_containers:succeeded",
      "wait_gpu_memory:succeeded",
      "wake_engines:succeeded",
      "start_containers:succeeded",
      "wait_ready:succeeded",
      "switch_routing:succeeded",
    ]);
    expect(toDeep.steps.get("sleep_engines")).toMatch(/qwen-7b asleep \(level 1\); qwen-14b asleep \(level 1\)/);
    // Both GPUs held only the sleeping engines' residue (500 MiB each) when the 32B started.
    expect(toDeep.steps.get("wait_gpu_memory")).toMatch(/GPU 0, 1 released in .* \(500 MiB, 500 MiB\)/);
    expect(toDeep.steps.get("start_containers")).toMatch(/started qwen-32b/);
    expect(lab.controller.sleepingEngine("qwen-7b")).toMatchObject({ level: 1 });
    expect(lab.controller.sleepingEngine("qwen-14b")).toMatchObject({ level: 1 });
    expect([...lab.runtime.running.keys()].sort()).toEqual(["qwen-14b", "qwen-32b", "qwen-7b"]);
    expect(memory(lab)).toEqual([AWAKE_MIB + 500, AWAKE_MIB + 500]);

    const toStandard = await switchTo(lab, "standard");
    expect(toStandard.status).toBe("succeeded");
    expect(toStandard.steps.get("sleep_engines")).toMatch(/qwen-32b asleep/);
    expect(toStandard.steps.get("wait_gpu_memory")).toMatch(/\(1000 MiB, 1000 MiB\)/);
    expect(toStandard.steps.get("wake_engines")).toMatch(/qwen-7b awake in 1\.\d s; qwen-14b awake in 1\.\d s/);
    expect(toStandard.steps.get("start_containers")).toMatch(/^succeeded: nothing to start/);
    expect(lab.runtime.ready("qwen-7b") && lab.runtime.ready("qwen-14b")).toBe(true);
    expect(lab.controller.sleepingEngine("qwen-7b")).toBeNull();

    const again = await switchTo(lab, "deep");
    expect(again.status).toBe("succeeded");
    expect(again.steps.get("wake_engines")).toMatch(/qwen-32b awake/);
    expect(again.steps.get("start_containers")).toMatch(/nothing to start/);
    expect(lab.runtime.sleepCalls).toEqual([
      "sleep qwen-7b 1",
      "sleep qwen-14b 1",
      "sleep qwen-32b 1",
      "wake qwen-7b",
      "wake qwen-14b",
      "sleep qwen-7b 1",
      "sleep qwen-14b 1",
      "wake qwen-32b",
    ]);
    expect(lab.runtime.violations).toEqual([]);
    expect(lab.controller.currentMode()).toBe("deep");
    expect(lab.controller.isAdmitting("qwen-32b")).toBe(true);
  });

  test("level 2: the engines are woken with the weights reloaded, and the wake step says so", async () => {
    const lab = createTestLab({}, { sleep: true, sleepLevel: 2 });
    const toDeep = await switchTo(lab, "deep");
    expect(toDeep.steps.get("sleep_engines")).toMatch(/qwen-7b asleep \(level 2\); qwen-14b asleep \(level 2\)/);
    const back = await switchTo(lab, "standard");
    expect(back.status).toBe("succeeded");
    expect(back.steps.get("wake_engines")).toMatch(
      /qwen-7b awake in 1\.\d s \(level 2: weights woken, reloaded from disk, KV cache woken\); qwen-14b awake in 1\.\d s \(level 2: /,
    );
    expect(lab.runtime.sleepCalls).toEqual(["sleep qwen-7b 2", "sleep qwen-14b 2", "sleep qwen-32b 2", "wake qwen-7b level 2", "wake qwen-14b level 2"]);
    expect(lab.runtime.violations).toEqual([]);
  });

  test("a sleep that leaves too much memory: that engine is stopped, the GPUs read free, and the switch succeeds", async () => {
    const lab = createTestLab({}, { sleep: true });
    await switchTo(lab, "deep");
    lab.runtime.residueOf.set("qwen-32b", 7_400);
    const back = await switchTo(lab, "standard");
    expect(back.status).toBe("succeeded");
    expect(back.steps.get("wait_gpu_memory")).toMatch(/GPU 0 holds 7900 MiB, GPU 1 holds 7900 MiB with qwen-32b asleep: too much left behind, stopped qwen-32b; GPU 0, 1 released/);
    expect(lab.runtime.running.has("qwen-32b")).toBe(false);
    expect(lab.controller.sleepingEngine("qwen-32b")).toBeNull();
    // The 7B and 14B still woke: only the engine in the way was stopped.
    expect(back.steps.get("wake_engines")).toMatch(/qwen-7b awake.*qwen-14b awake/);
    expect(memory(lab)).toEqual([AWAKE_MIB, AWAKE_MIB]);
    expect(lab.runtime.violations).toEqual([]);
  });

  test("an engine whose own residue is in the way is stopped too, and cold-starts", async () => {
    const lab = createTestLab({}, { sleep: true });
    lab.runtime.residueOf.set("qwen-7b", 3_000);
    await switchTo(lab, "deep");
    // The 7B's 3000 MiB stayed on GPU 0, so it was stopped before the 32B started.
    expect(lab.runtime.running.has("qwen-7b")).toBe(false);
    const back = await switchTo(lab, "standard");
    expect(back.status).toBe("succeeded");
    expect(back.steps.get("start_containers")).toMatch(/started qwen-7b/);
    expect(back.steps.get("wake_engines")).toMatch(/qwen-14b awake/);
    expect(lab.runtime.violations).toEqual([]);
  });

  test("an engine that refuses to sleep is stopped instead", async () => {
    const lab = createTestLab({}, { sleep: true });
    lab.runtime.failSleep.add("qwen-14b");
    const result = await switchTo(lab, "deep");
    expect(result.status).toBe("succeeded");
    expect(result.steps.get("sleep_engines")).toMatch(/qwen-14b could not sleep \(qwen-14b: POST \/sleep answered 500\): it is stopped instead/);
    expect(result.steps.get("stop_containers")).toMatch(/stopped qwen-14b$/);
    expect(lab.runtime.running.has("qwen-14b")).toBe(false);
    expect(lab.controller.sleepingEngine("qwen-7b")).not.toBeNull();
    expect(lab.runtime.violations).toEqual([]);
  });

  test("a wake that fails is a cold start: the container stops, its GPU is released, it starts and the switch succeeds", async () => {
    const lab = createTestLab({}, { sleep: true });
    await switchTo(lab, "deep");
    lab.runtime.failWake.add("qwen-7b");
    const back = await switchTo(lab, "standard");
    expect(back.status).toBe("succeeded");
    expect(back.steps.get("wake_engines")).toMatch(/qwen-14b awake in .*; qwen-7b did not wake \(.*CUDA out of memory\): cold start; GPU 0 released/);
    expect(back.steps.get("start_containers")).toMatch(/started qwen-7b/);
    expect(lab.runtime.ready("qwen-7b")).toBe(true);
    expect(lab.controller.sleepingEngine("qwen-7b")).toBeNull();
    expect(lab.controller.currentMode()).toBe("standard");
    expect(lab.runtime.violations).toEqual([]);
  });

  test("a failed wake whose cold start fails too rolls back to deep, the 32B awake and serving, the woken 14B asleep again", async () => {
    const lab = createTestLab({}, { sleep: true });
    await switchTo(lab, "deep");
    lab.runtime.failWake.add("qwen-7b");
    lab.runtime.failStart.add("qwen-7b");
    const back = await switchTo(lab, "standard");
    expect(back.status).toBe("rolled_back");
    expect(back.error).toMatch(/could not start qwen-7b/);
    expect(back.steps.get("rollback")).toMatch(/^succeeded: back in mode deep \(qwen-14b asleep \(level 1\) in .*; qwen-32b awake in/);
    expect(lab.controller.currentMode()).toBe("deep");
    expect(lab.runtime.ready("qwen-32b")).toBe(true);
    expect(lab.controller.sleepingEngine("qwen-32b")).toBeNull();
    expect(lab.controller.sleepingEngine("qwen-14b")).not.toBeNull();
    expect(lab.controller.isAdmitting("qwen-32b")).toBe(true);
    expect(lab.recorder.savedMode).toBe("deep");
    expect(lab.runtime.violations).toEqual([]);
  });

  test("a sleep switch whose target fails to start rolls back with the old engines woken, not reloaded", async () => {
    const lab = createTestLab({}, { sleep: true });
    lab.runtime.failStart.add("qwen-32b");
    const result = await switchTo(lab, "deep");
    expect(result.status).toBe("rolled_back");
    expect(result.steps.get("rollback")).toMatch(/back in mode standard \(qwen-7b awake in .*; qwen-14b awake in/);
    expect(lab.runtime.ready("qwen-7b") && lab.runtime.ready("qwen-14b")).toBe(true);
    expect(lab.controller.sleepingEngine("qwen-7b")).toBeNull();
    expect(lab.controller.currentMode()).toBe("standard");
    expect(lab.runtime.violations).toEqual([]);
  });

  test("a 7B at gpuMemoryUtilization 0.5 wakes beside a sleeping 32B's 7.4 GB residue, and the 32B stays asleep", async () => {
    const lab = createTestLab({}, { sleep: true, gpuMemoryUtilization: { "qwen-7b": 0.5, "qwen-14b": 0.6 } });
    await switchTo(lab, "deep");
    lab.runtime.residueOf.set("qwen-32b", 7_400);
    const back = await switchTo(lab, "standard");
    expect(back.status).toBe("succeeded");
    // Each GPU holds the 32B's 7,400 MiB and the waking engine's own 500: 16,676 of 24,576 MiB free, more than needed.
    expect(back.steps.get("wait_gpu_memory")).toMatch(
      /^succeeded: room on GPU 0, 1 after [0-9.]+ s: GPU 0: 16,676 MiB free, qwen-7b needs 12,288 MiB \(0\.5 x 24,576\); GPU 1: 16,676 MiB free, qwen-14b needs 14,746 MiB \(0\.6 x 24,576\)$/,
    );
    expect(back.steps.get("wake_engines")).toMatch(/qwen-7b awake.*qwen-14b awake/);
    // A fixed threshold (2048 MiB here) would have stopped the 32B, and the next deep mode would cold-start it.
    expect(lab.controller.sleepingEngine("qwen-32b")).toMatchObject({ level: 1 });
    expect(lab.runtime.running.has("qwen-32b")).toBe(true);
    expect(memory(lab)).toEqual([AWAKE_MIB + 7_400, AWAKE_MIB + 7_400]);
    expect(lab.runtime.violations).toEqual([]);
  });

  test("a 7B at gpuMemoryUtilization 0.9 gets the sleeping 32B on its GPU stopped: 3 GB of residue leave too little, though under the threshold", async () => {
    const lab = createTestLab({ memoryReleasedBelowMiB: 4_096 }, { sleep: true, gpuMemoryUtilization: { "qwen-7b": 0.9 } });
    await switchTo(lab, "deep");
    lab.runtime.residueOf.set("qwen-32b", 3_000);
    const back = await switchTo(lab, "standard");
    expect(back.status).toBe("succeeded");
    // GPU 0: 3,000 + the 7B's own 500 held, 21,076 free < 0.9 x 24,576; GPU 1 (the 14B declares nothing) passes 4096.
    expect(back.steps.get("wait_gpu_memory")).toMatch(
      /^succeeded: GPU 0: 21,076 MiB free, qwen-7b needs 22,118 MiB \(0\.9 x 24,576\) with qwen-32b asleep: too much left behind, stopped qwen-32b; room on GPU 0, 1 after [0-9.]+ s: GPU 0: 24,076 MiB free, qwen-7b needs 22,118 MiB \(0\.9 x 24,576\); GPU 1: 500 MiB used \(below 4,096 for qwen-14b\)$/,
    );
    expect(lab.runtime.running.has("qwen-32b")).toBe(false);
    expect(lab.controller.sleepingEngine("qwen-32b")).toBeNull();
    expect(back.steps.get("wake_engines")).toMatch(/qwen-7b awake.*qwen-14b awake/);
    // Without the stop the 7B would have woken with 21,576 MiB free, less than vLLM's 22,118.
    expect(lab.runtime.violations).toEqual([]);
  });

  test("a restart whose GPU holds a sleeping engine's oversized residue stops that engine first", async () => {
    const lab = createTestLab({}, { sleep: true });
    await switchTo(lab, "deep");
    await switchTo(lab, "standard");
    // The 32B sleeps next to the 7B and 14B; now its residue grows past what a starting engine tolerates.
    lab.runtime.asleep.set("qwen-32b", { level: 1, residueMiB: 5_000 });
    const { operationId } = lab.controller.restartBackend("qwen-7b", "test");
    await settle(lab);
    expect(lab.recorder.operations.find((o) => o.id === operationId)?.status).toBe("succeeded");
    const wait = lab.recorder.steps.filter((s) => s.name === "wait_gpu_memory").at(-1);
    expect(wait?.detail).toMatch(/with qwen-32b asleep: too much left behind, stopped qwen-32b/);
    expect(lab.runtime.running.has("qwen-32b")).toBe(false);
    expect(lab.runtime.ready("qwen-7b")).toBe(true);
    expect(lab.runtime.violations).toEqual([]);
  });

  test("a sleeping engine whose container dies is no longer shown asleep, and its mode's return cold-starts it", async () => {
    const lab = createTestLab({}, { sleep: true });
    await switchTo(lab, "deep");
    lab.runtime.crash("qwen-7b", 137);
    expect(lab.controller.sleepingEngine("qwen-7b")).toBeNull();
    const back = await switchTo(lab, "standard");
    expect(back.status).toBe("succeeded");
    expect(back.steps.get("start_containers")).toMatch(/started qwen-7b/);
    expect(back.steps.get("wake_engines")).toMatch(/^succeeded: qwen-14b awake/);
    expect(lab.runtime.violations).toEqual([]);
  });

  test("without the sleep endpoints a backend that declares sleep is stopped like any other", async () => {
    const lab = createTestLab({}, { sleep: true, withoutSleepEndpoints: true });
    expect(lab.config.backends["qwen-7b"]?.sleep).toEqual({ level: 1 });
    const result = await switchTo(lab, "deep");
    expect(result.status).toBe("succeeded");
    expect(result.steps.has("sleep_engines")).toBe(false);
    expect(lab.runtime.sleepCalls).toEqual([]);
  });
});

test("the watchdog leaves engines asleep on purpose alone, even when they fail every health probe", async () => {
  const lab = createTestLab({}, { sleep: true });
  await switchTo(lab, "deep");
  const restarts: string[] = [];
  const events: string[] = [];
  const watchdog = new Watchdog({
    config: () => lab.config,
    currentMode: () => lab.controller.currentMode(),
    isBusy: () => lab.controller.runningOperation() !== null,
    restart: (id) => restarts.push(id),
    runtime: lab.runtime,
    // An asleep engine answers no generation: as if every probe of every backend failed, but the 32B's.
    health: (id) => (id === "qwen-32b" ? { state: "ready", reason: null, consecutiveFailures: 0, since: 0 } : { state: "unhealthy", reason: "asleep", consecutiveFailures: 9, since: 0 }),
    recordEvent: (event) => events.push(event.message),
    clock: systemClock,
  });
  await watchdog.check();
  expect(lab.controller.sleepingEngine("qwen-7b")).not.toBeNull();
  expect(restarts).toEqual([]);
  expect(events).toEqual([]);
});
