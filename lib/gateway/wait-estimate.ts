import type { LabConfig } from "@/lib/config/schema";
import type { Remaining } from "@/lib/lab/estimator";

/** What the gateway asks about the time a client has to wait (lib/lab/estimates.ts answers). */
export interface GatewayEstimates {
  /** The running lab operation against its expected duration; null when none runs. */
  operationRemaining(): Remaining | null;
}

/**
 * Retry-After for a refusal while the lab is busy: the expected remaining time of the running operation, rounded
 * up, at least 1 s and at most the lab's load timeout (no estimate should send a client away for longer than a
 * load may take). Without an operation, or once it runs longer than expected (the remaining time is unknown), the
 * flat `gateway.retryAfterSeconds`.
 */
export function retryAfterSeconds(config: LabConfig, remaining: Remaining | null): number {
  const flat = config.gateway.retryAfterSeconds;
  if (!remaining || remaining.overdue) return flat;
  const cap = Math.max(flat, Math.ceil(config.lab.loadTimeoutSeconds));
  return Math.min(cap, Math.max(1, Math.ceil(remaining.remainingMs / 1000)));
}

/** A duration as a person says it: "41 s", "2 min 5 s". Rounded up: "about 1 s" rather than "0 s". */
export function spokenSeconds(ms: number): string {
  const total = Math.max(1, Math.ceil(ms / 1000));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}
