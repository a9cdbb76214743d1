"use client";

import { prepareEngineHistory } from "@/components/charts/gpu-series";
import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import { useBackendHistoryQuery } from "@/components/hooks/queries/use-backend-history-query";
import type { HistoryRange } from "@/components/hooks/api-types";
import { HISTORY_RANGE_SPAN_MS } from "@/components/hooks/api-types";
import { formatDuration, formatNumber, formatPercent, formatTokensPerSecond } from "@/components/ui/format";
import { ErrorState, Loading } from "@/components/ui/states";

/** The vLLM engine of one backend over the range: its queue, KV cache, latency to first token, throughput. */
export function EngineHistoryCharts({ backendId, range }: { backendId: string; range: HistoryRange }) {
  const history = useBackendHistoryQuery(backendId, range);
  if (history.isPending) return <Loading label={`Loading ${backendId}'s engine metrics…`} />;
  if (history.error && !history.data) return <ErrorState title={`Cannot read ${backendId}'s engine metrics`} error={history.error} onRetry={() => void history.refetch()} />;
  if (!history.data) return null;
  const data = prepareEngineHistory(history.data.points, { spanMs: HISTORY_RANGE_SPAN_MS[range], sourceBucketMs: history.data.bucketMs, now: history.dataUpdatedAt });
  return (
    <div className="chart-grid" data-testid={`engine-charts-${backendId}`}>
      <TimeSeriesChart
        title={`${backendId}: requests running / waiting`}
        data={data}
        series={[
          { key: "running", label: "running", color: "var(--chart-1)" },
          { key: "waiting", label: "waiting", color: "var(--chart-2)" },
        ]}
        formatValue={(v) => formatNumber(v, 1)}
      />
      <TimeSeriesChart
        title={`${backendId}: KV cache (%)`}
        data={data}
        series={[{ key: "kvCachePct", label: "used", color: "var(--chart-5)" }]}
        formatValue={(v) => formatPercent(v)}
        yDomain={[0, 100]}
      />
      <TimeSeriesChart
        title={`${backendId}: time to first token (ms)`}
        data={data}
        series={[
          { key: "ttftP50Ms", label: "p50", color: "var(--chart-3)" },
          { key: "ttftP95Ms", label: "p95", color: "var(--chart-4)" },
        ]}
        formatValue={(v) => formatDuration(v)}
      />
      <TimeSeriesChart
        title={`${backendId}: generation (tok/s)`}
        data={data}
        series={[{ key: "tokensPerSecond", label: "tokens/s", color: "var(--chart-1)" }]}
        formatValue={(v) => formatTokensPerSecond(v)}
      />
    </div>
  );
}
