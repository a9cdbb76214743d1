import { describe, expect, test } from "vitest";
import type { ModeSwitchRow } from "@/components/hooks/api-types";
import { describeOperation, freshestOperation, fromSwitchRow, stepElapsedMs, type OperationProgressView } from "./operation-view";

const row: ModeSwitchRow = {
  id: "op-1",
  kind: "mode_switch",
  fromMode: "standard",
  toMode: "deep",
  backendId: null,
  requestedBy: "console",
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
