import type { BackendState, BackendStatus } from "@/components/hooks/api-types";
import { backendStateBadge } from "./backend-state";

/** A backend's one-word state, coloured by how worried an operator should be. */
export function StateBadge({ state, label, testId }: { state: BackendState | "not in this mode"; label?: string; testId?: string }) {
  return (
    <span className={`badge state-${state.replace(/ /g, "-")}`} data-testid={testId}>
      {label ?? state}
    </span>
  );
}

/** A backend's state as the cards and panels show it (components/ui/backend-state.ts). */
export function BackendStateBadge({ backend, testId }: { backend: BackendStatus; testId?: string }) {
  const { state, label } = backendStateBadge(backend);
  return <StateBadge state={state} label={label} testId={testId} />;
}

const outcomeTone: Record<string, string> = {
  served: "ok",
  open: "info",
  running: "info",
  succeeded: "ok",
  skipped: "muted",
  client_abort: "muted",
  bad_request: "warn",
  rejected: "warn",
  rolled_back: "warn",
  interrupted: "warn",
  timeout: "bad",
  upstream_error: "bad",
  failed: "bad",
};

/** An outcome or status word (request outcomes, operation and step statuses). */
export function OutcomeBadge({ value, testId }: { value: string; testId?: string }) {
  return (
    <span className={`badge tone-${outcomeTone[value] ?? "muted"}`} data-testid={testId}>
      {value.replace(/_/g, " ")}
    </span>
  );
}

/** Marks numbers that come from Switchyard's simulator, never from real GPUs or a real vLLM. */
export function SimulatedBadge({ what, testId }: { what: string; testId?: string }) {
  return (
    <span className="badge tone-sim" title={`${what}: simulated by Switchyard, not measured on real hardware`} data-testid={testId ?? "simulated-badge"}>
      simulated
    </span>
  );
}
