"use client";

import { useRecentRequestsQuery } from "@/components/hooks/queries/use-requests-query";
import { formatNumber, formatPercent, formatTokensPerSecond } from "@/components/ui/format";
import { ErrorState } from "@/components/ui/states";
import { summarizeRecentRequests } from "./gateway-rates";

const WINDOW_MS = 60_000;

/** The whole gateway over the last minute, from the request log (refetched as `request` events arrive). */
export function GatewaySummary() {
  const recent = useRecentRequestsQuery(WINDOW_MS);
  if (recent.error && !recent.data) return <ErrorState title="Cannot read the request log" error={recent.error} onRetry={() => void recent.refetch()} />;
  const rates = recent.data ? summarizeRecentRequests(recent.data.rows, { now: recent.data.fetchedAt, windowMs: WINDOW_MS, truncated: recent.data.nextCursor !== null }) : null;
  return (
    <section className="panel" aria-labelledby="gateway-heading" data-testid="gateway-summary">
      <h2 id="gateway-heading">Gateway, last minute</h2>
      <dl className="stats">
        <div>
          <dt>Requests</dt>
          <dd className="big-number" data-testid="gateway-request-rate">
            {rates ? `${formatNumber(rates.requestsPerMinute, rates.requestsPerMinute < 10 ? 1 : 0)}/min` : "…"}
          </dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd className="big-number" data-testid="gateway-error-rate">
            {rates ? (rates.errorRatePct === null ? "—" : formatPercent(rates.errorRatePct, 1)) : "…"}
          </dd>
        </div>
        <div>
          <dt>Generated</dt>
          <dd className="big-number" data-testid="gateway-tokens">
            {rates ? formatTokensPerSecond(rates.completionTokensPerSecond) : "…"}
          </dd>
        </div>
      </dl>
      {rates && rates.spanMs < WINDOW_MS ? <p className="muted small">Busy: the rates cover the last {Math.round(rates.spanMs / 1_000)} s.</p> : null}
    </section>
  );
}
