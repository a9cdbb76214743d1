import type { VerdictProblem } from "@/components/hooks/api-types";

/** The verdict's problems as the health strip shows them: the faults, the notes beside them, and the recent past. */
export function stripParts(problems: readonly VerdictProblem[]) {
  const faults = problems.filter((p) => p.current && p.level !== "info");
  // With no fault the summary itself says the switch ("Switching from standard to deep, …"): its note would repeat it.
  const notes = problems.filter((p) => p.current && p.level === "info" && !(p.kind === "operation_running" && faults.length === 0));
  const recent = problems.filter((p) => !p.current);
  return { faults, notes, recent };
}
