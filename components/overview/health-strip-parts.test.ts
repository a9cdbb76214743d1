import { describe, expect, test } from "vitest";
import type { VerdictProblem } from "@/components/hooks/api-types";
import { stripParts } from "./health-strip-parts";

const problem = (p: Pick<VerdictProblem, "id" | "level" | "kind" | "current">): VerdictProblem => ({
  message: p.id,
  backendId: null,
  at: null,
  requests: null,
  labEvents: null,
  ...p,
});

const switching = problem({ id: "operation-op-1", level: "info", kind: "operation_running", current: true });
const simulated = problem({ id: "simulated", level: "info", kind: "simulated", current: true });
const down = problem({ id: "backend-qwen-14b", level: "red", kind: "backend_down", current: true });
const crashed = problem({ id: "event-7", level: "red", kind: "backend_crashed", current: false });

describe("the health strip's parts", () => {
  test("a switch without faults is said once, by the summary: no note repeats it", () => {
    expect(stripParts([switching, simulated, crashed])).toEqual({ faults: [], notes: [simulated], recent: [crashed] });
  });

  test("beside a fault the summary is the fault, so the switch stays a note", () => {
    expect(stripParts([down, switching, simulated])).toEqual({ faults: [down], notes: [switching, simulated], recent: [] });
  });
});
