import type { ModeSwitchRow, OperationView } from "@/components/hooks/api-types";

/**
 * One shape for a lab operation whichever way it reached us: the running one from /api/status (epoch-ms times) or
 * the recorded one from /api/modes/switches (ISO times, durations).
 */
export interface OperationProgressView {
  id: string;
  kind: "mode_switch" | "restart";
  fromMode: string | null;
  toMode: string | null;
  backendId: string | null;
  requestedBy: string;
  status: string;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
  steps: OperationStepView[];
}

export interface OperationStepView {
  name: string;
  status: string;
  detail: string | null;
  startedAt: number;
  finishedAt: number | null;
}

const ms = (iso: string | null): number | null => (iso ? Date.parse(iso) : null);

export function fromSwitchRow(row: ModeSwitchRow): OperationProgressView {
  return {
    id: row.id,
    kind: row.kind,
    fromMode: row.fromMode,
    toMode: row.toMode,
    backendId: row.backendId,
    requestedBy: row.requestedBy,
    status: row.status,
    error: row.error,
    startedAt: Date.parse(row.startedAt),
    finishedAt: ms(row.finishedAt),
    steps: [...row.steps]
      .sort((a, b) => a.position - b.position)
      .map((step) => ({ name: step.name, status: step.status, detail: step.detail, startedAt: Date.parse(step.startedAt), finishedAt: ms(step.finishedAt) })),
  };
}

export function fromOperationView(view: OperationView): OperationProgressView {
  return { ...view, finishedAt: null, steps: view.steps.map((step) => ({ ...step })) };
}

/**
 * The freshest of the two: a finished record wins (it has the final status and timings); while running, the one
 * that has seen more steps, the status's view on a tie (it is pushed by events, the record is refetched).
 */
export function freshestOperation(record: OperationProgressView | null, live: OperationProgressView | null): OperationProgressView | null {
  if (record && record.status !== "running") return record;
  if (!live) return record;
  if (!record) return live;
  const progress = (op: OperationProgressView) => op.steps.length * 2 + op.steps.filter((s) => s.finishedAt !== null).length;
  return progress(record) > progress(live) ? record : live;
}

export function describeOperation(op: Pick<OperationProgressView, "kind" | "fromMode" | "toMode" | "backendId">): string {
  if (op.kind === "restart") return `Restart of ${op.backendId ?? "a backend"}`;
  return `Mode switch ${op.fromMode ?? "?"} → ${op.toMode ?? "?"}`;
}

/** Beside the mode in the navigation while an operation runs: "switching to deep…", "restarting qwen-14b…". */
export function runningOperationNote(op: Pick<OperationProgressView, "kind" | "toMode" | "backendId">): string {
  if (op.kind === "restart") return `restarting ${op.backendId ?? "a backend"}…`;
  return `switching to ${op.toMode ?? "?"}…`;
}

/** How long a step took, or has been running so far. */
export function stepElapsedMs(step: OperationStepView, now: number): number {
  return (step.finishedAt ?? now) - step.startedAt;
}

const STEP_LABELS: Record<string, string> = {
  stop_admitting: "Stop admitting requests",
  drain: "Drain in-flight requests",
  sleep_engines: "Put engines to sleep",
  stop_containers: "Stop containers",
  wait_gpu_memory: "Wait for GPU memory",
  wake_engines: "Wake engines",
  start_containers: "Start containers",
  wait_ready: "Wait until ready",
  switch_routing: "Switch routing",
  resume_admitting: "Resume admitting",
  rollback: "Roll back",
};

export function stepLabel(name: string): string {
  return STEP_LABELS[name] ?? name.replace(/_/g, " ");
}

/** The steps an operation will go through, for showing what is still to come. */
const PLANNED_STEPS: Record<OperationProgressView["kind"], string[]> = {
  mode_switch: ["stop_admitting", "drain", "stop_containers", "wait_gpu_memory", "start_containers", "wait_ready", "switch_routing"],
  restart: ["stop_admitting", "drain", "stop_containers", "wait_gpu_memory", "start_containers", "wait_ready", "resume_admitting"],
};

/** The steps an operation goes through, in order; a mode switch in a lab whose engines sleep also sleeps and wakes them. */
export function plannedSteps(kind: OperationProgressView["kind"], sleepAware: boolean): string[] {
  if (kind !== "mode_switch" || !sleepAware) return PLANNED_STEPS[kind];
  return PLANNED_STEPS.mode_switch.flatMap((name) => (name === "drain" ? [name, "sleep_engines"] : name === "wait_gpu_memory" ? [name, "wake_engines"] : [name]));
}

/** What an operation (or a step) usually takes, as /api/status gives it for the running operation. */
export interface ExpectationView {
  expectedMs: number;
  basis: "history" | "default";
}

/** A duration in the words of an estimate: tenths under 10 s ("1.4 s"; "< 0.1 s", not "0.0 s"), whole seconds under a minute, then minutes. */
export function roughDuration(ms: number): string {
  const clamped = Math.max(0, ms);
  if (clamped < 50) return "< 0.1 s";
  if (clamped < 10_000) return `${(clamped / 1_000).toFixed(1)} s`;
  const seconds = Math.round(clamped / 1_000);
  if (seconds < 60) return `${seconds} s`;
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/**
 * "usually 41 s, 12 s so far" for a running operation with history; "expected about 2.0 s, …" before there is any;
 * once it runs longer than that, it says so instead of counting down to nothing.
 */
export function describeExpectation(expectation: ExpectationView, elapsedMs: number): string {
  const usual = expectation.basis === "history" ? `usually ${roughDuration(expectation.expectedMs)}` : `expected about ${roughDuration(expectation.expectedMs)}`;
  const soFar = `${roughDuration(elapsedMs)} so far`;
  if (elapsedMs <= expectation.expectedMs) return `${usual}, ${soFar}`;
  return `${usual}, ${soFar}: taking longer than ${expectation.basis === "history" ? "usual" : "expected"}`;
}

/** For a step with recorded history, "usually 3.2 s", or while it runs "usually 3.2 s, 1.1 s so far"; null without history. */
export function describeStepExpectation(expectation: ExpectationView | undefined, elapsedMs: number | null = null): string | null {
  if (!expectation || expectation.basis !== "history") return null;
  return elapsedMs === null ? `usually ${roughDuration(expectation.expectedMs)}` : describeExpectation(expectation, elapsedMs);
}
