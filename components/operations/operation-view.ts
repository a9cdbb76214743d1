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

/** How long a step took, or has been running so far. */
export function stepElapsedMs(step: OperationStepView, now: number): number {
  return (step.finishedAt ?? now) - step.startedAt;
}

const STEP_LABELS: Record<string, string> = {
  stop_admitting: "Stop admitting requests",
  drain: "Drain in-flight requests",
  stop_containers: "Stop containers",
  wait_gpu_memory: "Wait for GPU memory",
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
export const PLANNED_STEPS: Record<OperationProgressView["kind"], string[]> = {
  mode_switch: ["stop_admitting", "drain", "stop_containers", "wait_gpu_memory", "start_containers", "wait_ready", "switch_routing"],
  restart: ["stop_admitting", "drain", "stop_containers", "wait_gpu_memory", "start_containers", "wait_ready", "resume_admitting"],
};
