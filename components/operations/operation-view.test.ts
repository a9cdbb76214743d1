import { describe, expect, test } from "vitest";
import type { ModeSwitchRow } from "@/components/hooks/api-types";
import {
  describeExpectation,
  describeOperation,
  describeStepExpectation,
  runningOperationNote,
  freshestOperation,
  fromSwitchRow,
  plannedSteps,
  roughDuration,
  stepElapsedMs,
  type OperationProgressView,
} from "./operation-view";

const row: ModeSwitchRow = {
  id: "op-1",
  kind: "mode_switch",
  fromMode: "standard",
  toMode: "deep",
  backendId: null,
  requestedBy: "console",
  reason: null,
  trigger: null,
  status: "running",
  error: null,
  startedAt: "2026-11-27T10:00:00.000Z",
  finishedAt: null,
  durationMs: null,
  steps: [
    { id: 2, switchId: "op-1", position: 1, name: "drain", status: "running", detail: null, startedAt: "2026-11-27T10:00:01.000Z", finishedAt: null, durationMs: null },
    { id: 1, switchId: "op-1", position: 0, name: "stop_admitting", status: "succeeded", detail: "x", startedAt: "2026-11-27T10:00:00.000Z", finishedAt: "2026-11-27T10:00:00.500Z", durationMs: 500 },
  ],
};

describe("operation views", () => {
  test("a recorded switch becomes epoch-ms steps in execution order", () => {
    const view = fromSwitchRow(row);
    expect(view.steps.map((s) => s.name)).toEqual(["stop_admitting", "drain"]);
    expect(view.steps[0]?.finishedAt).toBe(Date.parse("2026-11-27T10:00:00.500Z"));
    expect(describeOperation(view)).toBe("Mode switch standard → deep");
    expect(describeOperation({ kind: "restart", fromMode: null, toMode: null, backendId: "qwen-7b" })).toBe("Restart of qwen-7b");
  });

  test("the navigation's note of the running operation says which kind it is: a restart is not a mode switch", () => {
    expect(runningOperationNote({ kind: "mode_switch", toMode: "deep", backendId: null })).toBe("switching to deep…");
    expect(runningOperationNote({ kind: "restart", toMode: null, backendId: "qwen-14b" })).toBe("restarting qwen-14b…");
  });

  test("a running step's time counts up; a finished one is fixed", () => {
    const [done, running] = fromSwitchRow(row).steps;
    const now = Date.parse("2026-11-27T10:00:03.000Z");
    expect(stepElapsedMs(done!, now)).toBe(500);
    expect(stepElapsedMs(running!, now)).toBe(2_000);
  });

  test("the finished record wins over the live view; while running, the one further along", () => {
    const record = fromSwitchRow(row);
    const live: OperationProgressView = { ...record, steps: [...record.steps.slice(0, 1)] };
    expect(freshestOperation(record, live)).toBe(record);
    const further: OperationProgressView = { ...record, steps: [...record.steps, { name: "stop_containers", status: "running", detail: null, startedAt: 0, finishedAt: null }] };
    expect(freshestOperation(record, further)).toBe(further);
    const finished = { ...record, status: "succeeded" };
    expect(freshestOperation(finished, further)).toBe(finished);
    expect(freshestOperation(null, null)).toBeNull();
  });
});

describe("the plan of an operation", () => {
  test("a switch in a lab whose engines sleep puts them to sleep after the drain and wakes them after the memory check", () => {
    expect(plannedSteps("mode_switch", true)).toEqual(["stop_admitting", "drain", "sleep_engines", "stop_containers", "wait_gpu_memory", "wake_engines", "start_containers", "wait_ready", "switch_routing"]);
    expect(plannedSteps("mode_switch", false)).not.toContain("wake_engines");
    expect(plannedSteps("restart", true)).not.toContain("sleep_engines");
  });
});

describe("expectations", () => {
  test("a running operation with history: usually, and so far; once past it, says it takes longer instead of counting down", () => {
    expect(describeExpectation({ expectedMs: 41_000, basis: "history" }, 12_000)).toBe("usually 41 s, 12 s so far");
    expect(describeExpectation({ expectedMs: 41_000, basis: "history" }, 45_000)).toBe("usually 41 s, 45 s so far: taking longer than usual");
    expect(describeExpectation({ expectedMs: 2_000, basis: "default" }, 600)).toBe("expected about 2.0 s, 0.6 s so far");
    expect(describeExpectation({ expectedMs: 2_000, basis: "default" }, 2_500)).toBe("expected about 2.0 s, 2.5 s so far: taking longer than expected");
  });

  test("a step shows its usual time only with history", () => {
    expect(describeStepExpectation({ expectedMs: 3_240, basis: "history" })).toBe("usually 3.2 s");
    expect(describeStepExpectation({ expectedMs: 3_240, basis: "default" })).toBeNull();
    expect(describeStepExpectation(undefined)).toBeNull();
    expect(describeStepExpectation({ expectedMs: 3_240, basis: "history" }, 1_100)).toBe("usually 3.2 s, 1.1 s so far");
  });

  test("rough durations: tenths under 10 s, seconds under a minute, then minutes", () => {
    expect(roughDuration(1_440)).toBe("1.4 s");
    expect(roughDuration(7)).toBe("< 0.1 s");
    expect(roughDuration(41_400)).toBe("41 s");
    expect(roughDuration(150_000)).toBe("2 min 30 s");
    expect(roughDuration(180_000)).toBe("3 min");
  });
});
