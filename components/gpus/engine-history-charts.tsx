"use client";

import { memo, useMemo } from "react";
import { chartMarkers } from "@/components/charts/chart-markers";
import { prepareEngineHistory } from "@/components/charts/gpu-series";
import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import { useBackendHistoryQuery } from "@/components/hooks/queries/use-backend-history-query";
import type { HistoryRange } from "@/components/hooks/api-types";
import type { ChartMarkerSources } from "@/components/hooks/queries/use-chart-marker-sources";
import { HISTORY_RANGE_SPAN_MS } from "@/components/hooks/api-types";
import { formatDuration, formatNumber, formatPercent, formatTokensPerSecond } from "@/components/ui/format";
import { ErrorState, Loading } from "@/components/ui/states";

/**
 * The vLLM engine of one backend over the range: its queue, KV cache, latency to first token, throughput (the last
 * two only for an engine that `generates`: an embedding model has neither). Rendered once per backend (a
 * tensor-parallel engine spans several GPUs but is one engine), marked with its restarts and crashes and every mode
 * switch.
 */
export const EngineHistoryCharts = memo(function EngineHistoryCharts({
  backendId,
  generates,
  gpus,
  range,
  markerSources,
  syncId,
}: {
  backendId: string;
  generates: boolean;
  gpus: readonly number[];
  range: HistoryRange;
  markerSources: ChartMarkerSources;
  syncId: string;
}) {
  const history = useBackendHistoryQuery(backendId, range);
  const now = history.dataUpdatedAt;
  const data = useMemo(
    () => (history.data ? prepareEngineHistory(history.data.points, { spanMs: HISTORY_RANGE_SPAN_MS[range], sourceBucketMs: history.data.bucketMs, now }) : null),
    [history.data, range, now],
  );
  const markers = useMemo(() => (data ? chartMarkers({ ...markerSources, domain: data.domain, backendIds: [backendId], now }) : []), [data, markerSources, backendId, now]);
  if (history.isPending) return <Loading label={`Loading ${backendId}'s engine metrics…`} />;
  if (history.error && !history.data) return <ErrorState title={`Cannot read ${backendId}'s engine metrics`} error={history.error} onRetry={() => void history.refetch()} />;
  if (!data) return null;
  const common = { data, markers, syncId };
  return (
    <div className="chart-grid" data-testid={`engine-charts-${backendId}`} data-gpus={gpus.join(",")}>
      {gpus.length > 1 ? (
        <p className="muted small" style={{ gridColumn: "1 / -1", margin: 0 }}>
          {backendId} is one engine across GPUs {gpus.join(" and ")} (tensor parallel): charted once.
        </p>
      ) : null}
      <TimeSeriesChart
        title={`${backendId}: requests running / waiting`}
        testId={`engine-${backendId}-chart-requests`}
        integer
        {...common}
        series={[
          { key: "running", label: "running", color: "var(--chart-1)" },
          { key: "waiting", label: "waiting", color: "var(--chart-2)" },
        ]}
        formatValue={(v) => formatNumber(v, 1)}
      />
      <TimeSeriesChart
        title={`${backendId}: KV cache (%)`}
        unit="%"
        {...common}
        series={[{ key: "kvCachePct", label: "used", color: "var(--chart-5)" }]}
        formatValue={(v) => formatPercent(v)}
        yDomain={[0, 100]}
      />
      {generates ? (
        <>
          <TimeSeriesChart
            title={`${backendId}: time to first token (ms)`}
            unit=" ms"
            {...common}
            series={[
              { key: "ttftP50Ms", label: "p50", color: "var(--chart-3)" },
              { key: "ttftP95Ms", label: "p95", color: "var(--chart-4)" },
            ]}
            formatValue={(v) => formatDuration(v)}
          />
          <TimeSeriesChart
            title={`${backendId}: generation (tok/s)`}
            testId={`engine-${backendId}-chart-generation`}
            {...common}
            series={[{ key: "tokensPerSecond", label: "tokens/s", color: "var(--chart-1)" }]}
            formatValue={(v) => formatTokensPerSecond(v)}
          />
        </>
      ) : null}
    </div>
  );
},
// `gpus` comes from the live status, rebuilt on every tick: compare it by value.
(before, after) =>
  before.backendId === after.backendId && before.generates === after.generates && before.range === after.range && before.markerSources === after.markerSources && before.syncId === after.syncId && before.gpus.join() === after.gpus.join());
