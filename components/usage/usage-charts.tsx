"use client";

import { useMemo } from "react";
import { chartMarkers, type ChartMarker } from "@/components/charts/chart-markers";
import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import type { UsageReportJson } from "@/components/hooks/api-types";
import { useChartMarkerSources } from "@/components/hooks/queries/use-chart-marker-sources";
import { formatDuration, formatEnergyWh, formatNumber } from "@/components/ui/format";
import { ToggleGroup } from "@/components/ui/toggle-group";
import { GROUP_METRIC_LABELS, GROUP_METRICS, GROUPING_LABELS, groupSeries, labSeries, perBucket, type GroupMetric } from "./usage-view";

const count = (value: number | null) => formatNumber(value);
/** Every time chart of the usage page shares one crosshair. */
const SYNC_ID = "usage-page";

/** The lab's switches, restarts and crashes within the report's window, marked on its charts like on the GPU page. */
function useUsageMarkers(report: UsageReportJson): readonly ChartMarker[] {
  const sources = useChartMarkerSources(Date.parse(report.to) - Date.parse(report.from));
  return useMemo(() => {
    const domain = [Date.parse(report.from), Date.parse(report.to)] as const;
    return chartMarkers({ ...sources, domain, now: domain[1] });
  }, [sources, report.from, report.to]);
}
const colors = ["var(--chart-1)", "var(--chart-2)", "var(--chart-3)", "var(--chart-4)", "var(--chart-5)", "var(--muted)"];

/** The whole lab over the window: requests and errors, tokens, latency percentiles, energy. */
export function LabUsageCharts({ report }: { report: UsageReportJson }) {
  const data = labSeries(report);
  const per = perBucket(report.bucketMs);
  const markers = useUsageMarkers(report);
  const shared = { markers, syncId: SYNC_ID };
  return (
    <div className="chart-grid" data-testid="usage-charts">
      <TimeSeriesChart
        title={`Requests and errors ${per}`}
        data={data}
        {...shared}
        integer
        formatValue={count}
        series={[
          { key: "requests", label: "requests", color: "var(--chart-1)" },
          { key: "status4xx", label: "4xx", color: "var(--chart-2)" },
          { key: "status5xx", label: "5xx", color: "var(--chart-4)" },
          { key: "failedStreams", label: "cut streams", color: "var(--chart-5)" },
        ]}
      />
      <TimeSeriesChart
        title={`Tokens ${per}`}
        data={data}
        {...shared}
        integer
        formatValue={count}
        series={[
          { key: "promptTokens", label: "prompt", color: "var(--chart-5)" },
          { key: "completionTokens", label: "completion", color: "var(--chart-3)" },
        ]}
      />
      <TimeSeriesChart
        title="Time to first token (ms)"
        data={data}
        {...shared}
        formatValue={formatDuration}
        series={[
          { key: "ttftP50Ms", label: "p50", color: "var(--chart-1)" },
          { key: "ttftP95Ms", label: "p95", color: "var(--chart-2)" },
          { key: "ttftP99Ms", label: "p99", color: "var(--chart-4)", dashed: true },
        ]}
      />
      <TimeSeriesChart
        title="Request duration (ms)"
        data={data}
        {...shared}
        formatValue={formatDuration}
        series={[
          { key: "durationP50Ms", label: "p50", color: "var(--chart-1)" },
          { key: "durationP95Ms", label: "p95", color: "var(--chart-2)" },
          { key: "durationP99Ms", label: "p99", color: "var(--chart-4)", dashed: true },
        ]}
      />
      <TimeSeriesChart title={`Energy ${per} (Wh)`} data={data} {...shared} formatValue={formatEnergyWh} series={[{ key: "energyWh", label: "energy", color: "var(--chart-3)" }]} />
    </div>
  );
}

/** One metric per group over the window: the largest groups each get a line. */
export function GroupUsageChart({ report, metric, onMetricChange }: { report: UsageReportJson; metric: GroupMetric; onMetricChange: (metric: GroupMetric) => void }) {
  const { data, lines } = groupSeries(report, metric);
  const markers = useUsageMarkers(report);
  const by = report.groupBy ? GROUPING_LABELS[report.groupBy].toLowerCase() : "group";
  return (
    <div data-testid="usage-group-chart">
      <div className="toolbar" style={{ justifyContent: "space-between" }}>
        <h3 style={{ margin: 0 }}>
          {GROUP_METRIC_LABELS[metric]} by {by}, {perBucket(report.bucketMs)}
        </h3>
        <ToggleGroup label="Metric per group" options={GROUP_METRICS} value={metric} onChange={onMetricChange} format={(m) => GROUP_METRIC_LABELS[m]} />
      </div>
      <TimeSeriesChart
        title={`${GROUP_METRIC_LABELS[metric]} by ${by}`}
        data={data}
        height={180}
        markers={markers}
        syncId={SYNC_ID}
        integer={metric !== "energyWh"}
        formatValue={metric === "energyWh" ? formatEnergyWh : count}
        series={lines.map((line, i) => ({ key: line.key, label: line.label, color: colors[i % colors.length]! }))}
      />
    </div>
  );
}
