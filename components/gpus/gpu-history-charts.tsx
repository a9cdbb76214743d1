"use client";

import { prepareGpuHistory } from "@/components/charts/gpu-series";
import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import type { GpuHistoryPoint } from "@/components/hooks/api-types";
import { formatCelsius, formatNumber, formatPercent, formatWatts } from "@/components/ui/format";

const formatGiB = (value: number | null) => (value === null ? "—" : `${formatNumber(value, 1)} GiB`);

/** The four charts of one GPU over the chosen range: utilization, memory, power against its limit, temperature. */
export function GpuHistoryCharts({ gpuIndex, points, spanMs, sourceBucketMs, now }: { gpuIndex: number; points: GpuHistoryPoint[]; spanMs: number; sourceBucketMs: number; now: number }) {
  const data = prepareGpuHistory(points, { spanMs, sourceBucketMs, now });
  return (
    <div className="chart-grid">
      <TimeSeriesChart
        title="Utilization (%)"
        testId={`gpu-${gpuIndex}-chart-utilization`}
        data={data}
        series={[{ key: "utilizationPct", label: "utilization", color: "var(--chart-1)" }]}
        formatValue={(v) => formatPercent(v)}
        yDomain={[0, 100]}
      />
      <TimeSeriesChart
        title="Memory (GiB)"
        testId={`gpu-${gpuIndex}-chart-memory`}
        data={data}
        series={[
          { key: "memoryUsedGiB", label: "used", color: "var(--chart-5)" },
          { key: "memoryTotalGiB", label: "total", color: "var(--muted)", dashed: true },
        ]}
        formatValue={formatGiB}
      />
      <TimeSeriesChart
        title="Power (W)"
        testId={`gpu-${gpuIndex}-chart-power`}
        data={data}
        series={[
          { key: "powerDrawW", label: "draw", color: "var(--chart-2)" },
          { key: "powerLimitW", label: "limit", color: "var(--bad)", dashed: true },
        ]}
        formatValue={(v) => formatWatts(v)}
      />
      <TimeSeriesChart
        title="Temperature (°C)"
        testId={`gpu-${gpuIndex}-chart-temperature`}
        data={data}
        series={[{ key: "temperatureC", label: "core", color: "var(--chart-4)" }]}
        formatValue={(v) => formatCelsius(v)}
      />
    </div>
  );
}
