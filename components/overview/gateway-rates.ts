import type { RequestLogRow } from "@/components/hooks/api-types";

export interface GatewayRates {
  requests: number;
  requestsPerMinute: number;
  /** Share of finished requests that failed on our side (5xx, 429, timeouts, upstream errors); null with none finished. */
  errorRatePct: number | null;
  errors: number;
  completionTokensPerSecond: number;
  /** The time the numbers cover (shorter than the window when the page of rows was full). */
  spanMs: number;
}

const SERVER_SIDE_FAILURES = new Set(["upstream_error", "timeout", "rejected", "interrupted"]);

/** A failure the lab is responsible for; a client's bad request or hang-up is not. */
export function isGatewayError(row: Pick<RequestLogRow, "outcome" | "status">): boolean {
  return SERVER_SIDE_FAILURES.has(row.outcome) || (row.status !== null && (row.status >= 500 || row.status === 429));
}

/**
 * Rates over the last `windowMs` from the request log's newest rows. When the page is full (`truncated`), the
 * rows cover less than the window, so the rates are computed over the time they do cover.
 */
export function summarizeRecentRequests(
  rows: readonly Pick<RequestLogRow, "receivedAt" | "outcome" | "status" | "completionTokens">[],
  { now, windowMs, truncated }: { now: number; windowMs: number; truncated: boolean },
): GatewayRates {
  const inWindow = rows.filter((row) => Date.parse(row.receivedAt) >= now - windowMs);
  const oldest = Math.min(...inWindow.map((row) => Date.parse(row.receivedAt)));
  const spanMs = truncated && inWindow.length > 0 ? Math.max(now - oldest, 1_000) : windowMs;
  const finished = inWindow.filter((row) => row.outcome !== "open");
  const errors = finished.filter(isGatewayError).length;
  const tokens = inWindow.reduce((sum, row) => sum + (row.completionTokens ?? 0), 0);
  return {
    requests: inWindow.length,
    requestsPerMinute: (inWindow.length / spanMs) * 60_000,
    errors,
    errorRatePct: finished.length > 0 ? (errors / finished.length) * 100 : null,
    completionTokensPerSecond: tokens / (spanMs / 1_000),
    spanMs,
  };
}
