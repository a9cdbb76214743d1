import { BrandedError } from "@/lib/errors/branded-error";
/**
 * Why admission refused a request. The gateway maps each code to a status once:
 * queue_full, key_concurrency, key_rate -> 429; queue_timeout -> 503; client_gone -> nothing to answer (499 in logs).
 */
export type AdmissionErrorCode = "queue_full" | "queue_timeout" | "client_gone" | "key_concurrency" | "key_rate";

export class AdmissionError extends BrandedError {
  static override readonly brand = "switchyard.AdmissionError";
  constructor(
    readonly code: AdmissionErrorCode,
    message: string,
    /** What to send as Retry-After: whole seconds, at least 1. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = "AdmissionError";
  }
}

/** Retry-After is whole seconds; never tell a client "0" (it would retry at once) nor something absurd. */
export function clampRetryAfterSeconds(seconds: number, maxSeconds: number): number {
  if (!Number.isFinite(seconds)) return maxSeconds;
  return Math.min(maxSeconds, Math.max(1, Math.ceil(seconds)));
}
