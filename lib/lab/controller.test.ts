import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { LabNotFoundError, OperationConflictError } from "./errors";
import { createTestLab, settle, type TestLab } from "./test-support";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function stepsOf(lab: TestLab) {
  return lab.recorder.steps.map((s) => `${s.name}:${s.status}`);
}

describe("mode switch", () => {
  test("standard -> deep runs every step in order, frees the GPUs before the 32B starts, and switches routing last", async () => {
    const lab = createTestLab();
    const result = lab.controller.activateMode("deep", "test");
    expect(result.status).toBe("started");
    expect(lab.controller.isAdmitting("qwen-7b")).toBe(false);
    expect(lab.controller.currentMode()).toBe("standard");
    await settle(lab);
    expect(stepsOf(lab)).toEqual([
      "stop_admitting:succeeded",
      "drain:succeeded",
      "stop_containers:succeeded",
      "wait_gpu_memory:succeeded",
      "start_containers:succeeded",
      "wait_ready:succeeded",
      "switch_routing:succeeded",
    ]);
    expect(lab.recorder.operations[0]?.status).toBe("succeeded");
    expect(lab.controller.currentMode()).toBe("deep");
    expect(lab.recorder.savedMode).toBe("deep");
    expect([...lab.runtime.running.keys()]).toEqual(["qwen-32b"]);
    expect(lab.runtime.violations).toEqual([]);
    expect(lab.controller.isAdmitting("qwen-32b")).toBe(true);
  });

  test("activating the active mode does nothing", () => {
    const lab = createTestLab();
    expect(lab.controller.activateMode("standard", "test")).toEqual({ status: "already_active" });
    expect(lab.recorder.operations).toHaveLength(0);
  });

  test("an unknown mode is refused", () => {
    expect(() => createTestLab().controller.activateMode("turbo", "test")).toThrow(LabNotFoundError);
  });

  test("a second operation while one runs is refused naming the running one", async () => {
    const lab = createTestLab();
    const { operationId } = lab.controller.activateMode("deep", "test") as { operationId: string };
    expect(() => lab.controller.restartBackend("qwen-7b", "test")).toThrow(OperationConflictError);
    expect(() => lab.controller.activateMode("standard", "test")).toThrow(new RegExp(operationId));
    await settle(lab);
  });

  test("in-flight requests drain before the containers stop", async () => {
    const lab = createTestLab();
    const lease = lab.inFlight.acquire("qwen-7b");
    setTimeout(() => lease.release(), 1_500);
    lab.controller.activateMode("deep", "test");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lab.runtime.running.has("qwen-7b")).toBe(true);
    await settle(lab);
    expect(lab.recorder.steps.find((s) => s.name === "drain")?.detail).toMatch(/drained in 1\.[0-9] s/);
    expect(lab.controller.currentMode()).toBe("deep");
  });

  test("a request still running when the drain time is up is cut with an error", async () => {
    const lab = createTestLab({ drainMs: 2_000 });
    const lease = lab.inFlight.acquire("qwen-14b");
    const evicted: string[] = [];
    lease.onEvict((reason) => {
      evicted.push(reason);
      lease.release();
    });
    lab.controller.activateMode("deep", "test");
    await settle(lab);
    expect(evicted).toHaveLength(1);
    expect(evicted[0]).toContain("qwen-14b");
    expect(lab.recorder.steps.find((s) => s.name === "drain")?.detail).toContain("1 request(s) still running");
    expect(lab.inFlight.total()).toBe(0);
  });

  const failures: { name: string; step: string; arrange: (lab: TestLab) => void; error: RegExp }[] = [
    { name: "a container that will not stop", step: "stop_containers", arrange: (lab) => lab.runtime.failStop.add("qwen-14b"), error: /could not stop qwen-14b/ },
    {
      name: "GPU memory held by another process",
      step: "wait_gpu_memory",
      arrange: (lab) => lab.runtime.foreignMemory.set(0, 9_000),
      error: /GPU 0 holds 9000 MiB/,
    },
    { name: "a container that will not start", step: "start_containers", arrange: (lab) => lab.runtime.failStart.add("qwen-32b"), error: /could not start qwen-32b/ },
    { name: "an OOM while loading", step: "wait_ready", arrange: (lab) => lab.runtime.oomAtLoad.add("qwen-32b"), error: /exited with code 1 \(OOM-killed\).*CUDA out of memory/ },
    {
      name: "a model that never finishes loading",
      step: "wait_ready",
      arrange: (lab) => {
        lab.runtime.loadMs = 10 * 60_000;
      },
      error: /not ready after 30\.0 s/,
    },
    { name: "a failing one-token probe", step: "wait_ready", arrange: (lab) => lab.generationFails.add("qwen-32b"), error: /one-token probe failed/ },
  ];

  test.each(failures)("$name fails $step and rolls back to standard", async ({ step, arrange, error }) => {
    const lab = createTestLab();
    arrange(lab);
    if (step === "wait_ready" && lab.runtime.loadMs > 60_000) {
      // The rollback has to reload the standard models: keep those quick.
      const slow = lab.runtime.loadMs;
      const start = lab.runtime.start.bind(lab.runtime);
      lab.runtime.start = async (id) => {
        lab.runtime.loadMs = id === "qwen-32b" ? slow : 2_000;
        await start(id);
      };
    }
    lab.controller.activateMode("deep", "test");
    await settle(lab, 20 * 60_000);
    const op = lab.recorder.operations[0];
    expect(op?.status).toBe("rolled_back");
    expect(op?.error).toMatch(error);
    expect(lab.recorder.steps.find((s) => s.status === "failed")?.name).toBe(step);
    expect(lab.recorder.steps.at(-1)).toMatchObject({ name: "rollback", status: "succeeded" });
    expect(lab.controller.currentMode()).toBe("standard");
    expect(lab.controller.isAdmitting("qwen-7b")).toBe(true);
    expect(lab.controller.isAdmitting("qwen-14b")).toBe(true);
    if (step !== "stop_containers") expect([...lab.runtime.running.keys()].sort()).toEqual(["qwen-14b", "qwen-7b"]);
    expect(lab.recorder.savedMode).toBeNull();
  });

  test("a rollback that fails too leaves the lab declared in its previous mode, with both reasons", async () => {
    const lab = createTestLab();
    lab.runtime.failStart.add("qwen-32b");
    lab.runtime.failStart.add("qwen-7b");
    lab.controller.activateMode("deep", "test");
    await settle(lab);
    expect(lab.recorder.operations[0]).toMatchObject({ status: "failed" });
    expect(lab.recorder.operations[0]?.error).toMatch(/could not start qwen-32b.*rollback.*could not start qwen-7b/);
    expect(lab.controller.currentMode()).toBe("standard");
    expect(lab.controller.runningOperation()).toBeNull();
  });
});

describe("restart", () => {
  test("a restart drains, stops, waits for the GPU, starts and waits for readiness", async () => {
    const lab = createTestLab();
    lab.controller.restartBackend("qwen-7b", "test");
    expect(lab.controller.isAdmitting("qwen-7b")).toBe(false);
    expect(lab.controller.isAdmitting("qwen-14b")).toBe(true);
    await settle(lab);
    expect(stepsOf(lab)).toEqual([
      "stop_admitting:succeeded",
      "drain:succeeded",
      "stop_containers:succeeded",
      "wait_gpu_memory:succeeded",
      "start_containers:succeeded",
      "wait_ready:succeeded",
      "resume_admitting:succeeded",
    ]);
    expect(lab.controller.isAdmitting("qwen-7b")).toBe(true);
    expect(lab.runtime.ready("qwen-7b")).toBe(true);
  });

  test("a restart is recorded with its backend, who asked and why", async () => {
    const lab = createTestLab();
    lab.controller.restartBackend("qwen-7b", "watchdog", "container exited with code 137");
    await settle(lab);
    expect(lab.recorder.operations[0]).toMatchObject({ backendId: "qwen-7b", requestedBy: "watchdog", reason: "container exited with code 137", status: "succeeded" });
  });

  test("a restart that fails reopens admission and says why", async () => {
    const lab = createTestLab();
    lab.runtime.oomAtLoad.add("qwen-7b");
    lab.controller.restartBackend("qwen-7b", "test");
    await settle(lab);
    expect(lab.recorder.operations[0]).toMatchObject({ status: "failed" });
    expect(lab.recorder.operations[0]?.error).toContain("OOM-killed");
    expect(lab.controller.isAdmitting("qwen-7b")).toBe(true);
  });

  test("unknown backends and backends outside the mode are refused", () => {
    const lab = createTestLab();
    expect(() => lab.controller.restartBackend("nope", "test")).toThrow(LabNotFoundError);
    expect(() => lab.controller.restartBackend("qwen-32b", "test")).toThrow(/not part of the current mode/);
  });
});
