"use client";

import { useUsageQuery } from "@/components/hooks/queries/use-usage-query";
import { formatNumber, formatPercent, formatTokensPerSecond } from "@/components/ui/format";
import { ErrorState } from "@/components/ui/states";
import { useNow } from "@/components/ui/use-now";
import { ratesWindow, summarizeUsage } from "./gateway-rates";

/** The whole gateway over the last minute or two, from the request log's per-minute rollups (refreshed as requests finish). */
export function GatewaySummary() {
  const now = useNow(10_000);
  const window = ratesWindow(now);
  const usage = useUsageQuery({ ...window, bucketMinutes: 1 }, { refetchIntervalMs: 10_000 });
  if (usage.error && !usage.data) return <ErrorState title="Cannot read the gateway's usage" error={usage.error} onRetry={() => void usage.refetch()} />;
  const rates = usage.data ? summarizeUsage(usage.data, { now: Math.max(now, usage.dataUpdatedAt) }) : null;
  const pct = (value: number | null | undefined) => (value === undefined ? "…" : value === null ? "—" : formatPercent(value, 1));
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
          <dt title="Answered 5xx, or a stream cut after its 200 (backend gone or idle too long): the lab's failures">Errors (5xx + cut streams)</dt>
          <dd className="big-number" data-testid="gateway-error-rate">
            {pct(rates?.serverErrorPct)}
          </dd>
        </div>
        <div>
          <dt title="Answered 4xx: malformed requests, unknown models, missing or wrong keys, over a key's limit">Client errors (4xx)</dt>
          <dd className="big-number" data-testid="gateway-client-error-rate">
            {pct(rates?.clientErrorPct)}
          </dd>
        </div>
        <div>
          <dt>Generated</dt>
          <dd className="big-number" data-testid="gateway-tokens">
            {rates ? formatTokensPerSecond(rates.completionTokensPerSecond) : "…"}
          </dd>
        </div>
      </dl>
    </section>
  );
}
