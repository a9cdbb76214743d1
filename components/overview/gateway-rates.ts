import type { UsageReportJson } from "@/components/hooks/api-types";
import { clientFailures } from "@/lib/request-log/rollup";

export interface GatewayRates {
  requests: number;
  requestsPerMinute: number;
  /**
   * Shares of finished requests answered 4xx (the client's side) and failed by the lab: answered 5xx or cut
   * mid-stream after their 200 (failedStreams); null with none finished.
   */
  clientErrorPct: number | null;
  serverErrorPct: number | null;
  completionTokensPerSecond: number;
  /** The time the numbers cover. */
  spanMs: number;
}

/** The newest rollup minutes the rates are taken over: the last whole minute and the one running now. */
export function ratesWindow(now: number): { from: number; to: number } {
  const thisMinute = Math.floor(now / 60_000) * 60_000;
  return { from: thisMinute - 60_000, to: thisMinute + 60_000 };
}

/**
 * Rates from the request log's per-minute rollups over the last whole minute and the one running now: the span is
 * the time since that whole minute began, so a fresh minute does not read as a drop.
 */
export function summarizeUsage(usage: Pick<UsageReportJson, "totals">, { now }: { now: number }): GatewayRates {
  const spanMs = Math.max(now - ratesWindow(now).from, 1_000);
  const totals = usage.totals[0];
  const requests = totals?.requests ?? 0;
  const pct = (n: number) => (requests > 0 ? (n / requests) * 100 : null);
  return {
    requests,
    requestsPerMinute: (requests / spanMs) * 60_000,
    clientErrorPct: pct(totals?.status4xx ?? 0),
    serverErrorPct: pct(totals ? clientFailures(totals) : 0),
    completionTokensPerSecond: (totals?.completionTokens ?? 0) / (spanMs / 1_000),
    spanMs,
  };
}
