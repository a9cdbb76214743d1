"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import type { UsageReportJson } from "@/components/hooks/api-types";
import { useUsageQuery } from "@/components/hooks/queries/use-usage-query";
import { formatDuration, formatEnergyWh, formatNumber } from "@/components/ui/format";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { ToggleGroup } from "@/components/ui/toggle-group";
import { useNow } from "@/components/ui/use-now";
import { GroupUsageChart, LabUsageCharts } from "./usage-charts";
import { UsageTotalsTable } from "./usage-totals-table";
import { energyCost, formatCost, GROUPING_LABELS, isUsageGrouping, isUsageRange, USAGE_GROUPINGS, USAGE_RANGES, usageWindow, type GroupMetric } from "./usage-view";
import { clientFailures } from "@/lib/request-log/rollup";

const DEFAULT_RANGE = "24h";
const DEFAULT_GROUPING = "requestedModel";

/** The range and the grouping live in the URL (`/usage?range=7d&groupBy=apiKeyId`): a view can be shared and reloaded. */
function useUsageUrlState() {
  const search = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const rangeParam = search.get("range");
  const groupParam = search.get("groupBy");
  const set = (name: "range" | "groupBy", value: string) => {
    const next = new URLSearchParams(search.toString());
    next.set(name, value);
    router.replace(`${pathname}?${next.toString()}`, { scroll: false });
  };
  return {
    range: isUsageRange(rangeParam) ? rangeParam : DEFAULT_RANGE,
    groupBy: isUsageGrouping(groupParam) ? groupParam : DEFAULT_GROUPING,
    setRange: (value: string) => set("range", value),
    setGroupBy: (value: string) => set("groupBy", value),
  };
}

/** Requests, tokens, errors, latency and energy over a range, for the whole lab and per key, client, model, route or backend. */
export function UsagePage() {
  return (
    <Suspense fallback={<Loading label="Loading usage…" />}>
      <UsageView />
    </Suspense>
  );
}

function UsageView() {
  const { range, groupBy, setRange, setGroupBy } = useUsageUrlState();
  const [metric, setMetric] = useState<GroupMetric>("requests");
  // The window moves once a minute; finished requests refresh the numbers in between (the live event stream).
  const now = useNow(60_000);
  const span = usageWindow(range, now);
  const lab = useUsageQuery(span);
  const grouped = useUsageQuery({ ...span, groupBy });

  return (
    <>
      <div className="page-header">
        <h1>Usage</h1>
        <div className="toolbar">
          <ToggleGroup label="Time range" options={USAGE_RANGES} value={range} onChange={setRange} />
          <label className="inline">
            Group by
            <select value={groupBy} onChange={(e) => setGroupBy(e.target.value)} data-testid="usage-group-by">
              {USAGE_GROUPINGS.map((g) => (
                <option key={g} value={g}>
                  {GROUPING_LABELS[g]}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {lab.isPending ? <Loading label="Loading usage…" /> : null}
      {lab.error && !lab.data ? <ErrorState title="Cannot read the usage" error={lab.error} onRetry={() => void lab.refetch()} /> : null}
      {lab.data ? (
        <>
          <UsageSummary report={lab.data} />
          <section className="panel" aria-labelledby="usage-over-time-heading">
            <h2 id="usage-over-time-heading">Over time</h2>
            <LabUsageCharts report={lab.data} />
          </section>
        </>
      ) : null}
      <section className="panel" aria-labelledby="usage-groups-heading">
        <h2 id="usage-groups-heading">By {GROUPING_LABELS[groupBy].toLowerCase()}</h2>
        {grouped.isPending ? <Loading label="Loading usage per group…" /> : null}
        {grouped.error && !grouped.data ? <ErrorState title="Cannot read the usage per group" error={grouped.error} onRetry={() => void grouped.refetch()} /> : null}
        {grouped.data && grouped.data.totals.length === 0 ? <Empty>No requests in this range.</Empty> : null}
        {grouped.data && grouped.data.totals.length > 0 ? (
          <>
            <GroupUsageChart report={grouped.data} metric={metric} onMetricChange={setMetric} />
            <UsageTotalsTable grouped={grouped.data} lab={lab.data} />
          </>
        ) : null}
        {grouped.data && !grouped.data.energyPrice ? (
          <p className="muted small">
            Set <code>energyPrice: {"{ perKwh: 0.30, currency: EUR }"}</code> in the config to see what the energy cost.
          </p>
        ) : null}
      </section>
    </>
  );
}

/** The window's totals for the whole lab, at a glance. */
function UsageSummary({ report }: { report: UsageReportJson }) {
  const total = report.totals[0];
  const figures: [string, string, string?][] = [
    ["Requests", formatNumber(total?.requests ?? 0), "usage-summary-requests"],
    ["Prompt tokens", formatNumber(total?.promptTokens ?? 0)],
    ["Completion tokens", formatNumber(total?.completionTokens ?? 0)],
    ["Client errors (4xx)", formatNumber(total?.status4xx ?? 0)],
    ["Errors (5xx + cut streams)", formatNumber(total ? clientFailures(total) : 0), "usage-summary-errors"],
    ["TTFT p95", formatDuration(total?.ttftP95Ms)],
    ["Duration p95", formatDuration(total?.durationP95Ms)],
    ["Energy", formatEnergyWh(total?.energyWh ?? 0)],
  ];
  if (report.energyPrice) figures.push([`Cost at ${report.energyPrice.perKwh} ${report.energyPrice.currency}/kWh`, formatCost(energyCost(total?.energyWh ?? 0, report.energyPrice), report.energyPrice.currency)]);
  return (
    <section className="panel usage-summary" aria-labelledby="usage-summary-heading" data-testid="usage-summary">
      <h2 id="usage-summary-heading" className="visually-hidden">
        Totals
      </h2>
      <dl className="stats">
        {figures.map(([label, value, testId]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd className="big-number" data-testid={testId}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
