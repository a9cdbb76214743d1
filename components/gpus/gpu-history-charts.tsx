"use client";

import { memo, useMemo } from "react";
import { chartMarkers } from "@/components/charts/chart-markers";
import { prepareGpuHistory } from "@/components/charts/gpu-series";
import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import type { GpuHistoryPoint } from "@/components/hooks/api-types";
import type { ChartMarkerSources } from "@/components/hooks/queries/use-chart-marker-sources";
import { formatCelsius, formatNumber, formatPercent, formatWatts } from "@/components/ui/format";

const formatGiB = (value: number | null) => (value === null ? "—" : `${formatNumber(value, 1)} GiB`);

/** The four charts of one GPU over the chosen range: utilization, memory, power against its limit, temperature. */
// Memoised: the page re-renders on every live status tick; these charts only when their history or markers change.
export const GpuHistoryCharts = memo(function GpuHistoryCharts({
  gpuIndex,
  points,
  spanMs,
  sourceBucketMs,
  now,
  markerSources,
  backendIds,
  syncId,
}: {
  gpuIndex: number;
  points: GpuHistoryPoint[];
  spanMs: number;
  sourceBucketMs: number;
  now: number;
  markerSources: ChartMarkerSources;
  /** The backends on this GPU, comma-separated (a string, so it compares by value): their restarts and crashes. */
  backendIds: string;
  syncId: string;
}) {
  const data = useMemo(() => prepareGpuHistory(points, { spanMs, sourceBucketMs, now }), [points, spanMs, sourceBucketMs, now]);
  const markers = useMemo(
    () => chartMarkers({ ...markerSources, domain: data.domain, backendIds: backendIds ? backendIds.split(",") : [], now }),
    [markerSources, data.domain, backendIds, now],
  );
  const common = { data, markers, syncId };
  return (
    <div className="chart-grid">
      <TimeSeriesChart
        title="Utilization (%)"
        unit="%"
        testId={`gpu-${gpuIndex}-chart-utilization`}
        {...common}
        series={[{ key: "utilizationPct", label: "utilization", color: "var(--chart-1)" }]}
        formatValue={(v) => formatPercent(v)}
        yDomain={[0, 100]}
      />
      <TimeSeriesChart
        title="Memory (GiB)"
        unit=" GiB"
        testId={`gpu-${gpuIndex}-chart-memory`}
        {...common}
        series={[
          { key: "memoryUsedGiB", label: "used", color: "var(--chart-5)" },
          { key: "memoryTotalGiB", label: "total", color: "var(--muted)", dashed: true },
        ]}
        formatValue={formatGiB}
      />
      <TimeSeriesChart
        title="Power (W)"
        unit=" W"
        testId={`gpu-${gpuIndex}-chart-power`}
        {...common}
        series={[
          { key: "powerDrawW", label: "draw", color: "var(--chart-2)" },
          { key: "powerLimitW", label: "limit", color: "var(--bad)", dashed: true },
        ]}
        formatValue={(v) => formatWatts(v)}
      />
      <TimeSeriesChart
        title="Temperature (°C)"
        unit="°C"
        testId={`gpu-${gpuIndex}-chart-temperature`}
        {...common}
        series={[{ key: "temperatureC", label: "core", color: "var(--chart-4)" }]}
        formatValue={(v) => formatCelsius(v)}
      />
    </div>
  );
});
