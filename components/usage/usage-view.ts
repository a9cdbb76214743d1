import type { SeriesRow, PreparedSeries } from "@/components/charts/prepare-series";
import type { UsageReportJson } from "@/components/hooks/api-types";
import type { UsageParams } from "@/components/hooks/queries/use-usage-query";
import { formatDuration, MISSING } from "@/components/ui/format";
import { clientFailures } from "@/lib/request-log/rollup";

// The usage page's "prepare" layer (the components only draw what these return): ranges, group names, series with
// every bucket present, totals per group with their energy cost.

type UsageGroupBy = NonNullable<UsageParams["groupBy"]>;
type UsageFigures = UsageReportJson["totals"][number];
type EnergyPrice = NonNullable<UsageReportJson["energyPrice"]>;

export const USAGE_RANGES = ["1h", "24h", "7d", "30d"] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];
const RANGE_MS: Record<UsageRange, number> = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };
/** A point per bucket: 60 to 180 points whatever the range (the API's own defaults for these ranges). */
const RANGE_BUCKET_MINUTES: Record<UsageRange, number> = { "1h": 1, "24h": 15, "7d": 60, "30d": 240 };

export const USAGE_GROUPINGS = ["apiKeyId", "clientAddress", "requestedModel", "route", "backend"] as const satisfies readonly UsageGroupBy[];
export const GROUPING_LABELS: Record<UsageGroupBy, string> = { apiKeyId: "Key", clientAddress: "Client", requestedModel: "Model", route: "Route", backend: "Backend" };
/** What the empty value of a dimension stands for: a request that never got that far, or came without one. */
const NO_VALUE_LABELS: Record<UsageGroupBy, string> = {
  apiKeyId: "no key",
  clientAddress: "unknown client",
  requestedModel: "no model",
  route: "not routed",
  backend: "no backend",
};

export function isUsageRange(value: string | null | undefined): value is UsageRange {
  return (USAGE_RANGES as readonly string[]).includes(value ?? "");
}

export function isUsageGrouping(value: string | null | undefined): value is UsageGroupBy {
  return (USAGE_GROUPINGS as readonly string[]).includes(value ?? "");
}

/**
 * The window a range covers, ending at the next whole minute after `now`: the API counts a bucket that overlaps
 * the window whole, so the minute running now (and its requests) is always in, and the window only moves once a minute.
 */
export function usageWindow(range: UsageRange, now: number): { from: number; to: number; bucketMinutes: number } {
  const to = Math.ceil((now + 1) / 60_000) * 60_000;
  return { from: to - RANGE_MS[range], to, bucketMinutes: RANGE_BUCKET_MINUTES[range] };
}

/** A group as people read it: an API key's name, "console playground", "no key" for the empty value. */
export function groupLabel(group: string | null, groupBy: UsageGroupBy | null, labels: Record<string, string>): string {
  if (group === null || groupBy === null) return "All requests";
  if (group === "") return NO_VALUE_LABELS[groupBy];
  return labels[group] ?? group;
}

/** The cost of `wh` at the configured price, or null without one. */
export function energyCost(wh: number, price: EnergyPrice | null): number | null {
  return price ? (wh / 1_000) * price.perKwh : null;
}

/** "12.35 EUR", "0.0042 EUR", "0.000048 EUR": a lab's small costs keep two significant digits instead of reading as zero. */
export function formatCost(value: number | null, currency: string): string {
  if (value === null || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  const text = abs === 0 || abs >= 1 ? value.toFixed(2) : abs >= 0.01 ? value.toFixed(4) : value.toLocaleString("en-US", { maximumSignificantDigits: 2 });
  return `${text} ${currency}`;
}

export interface UsageTotalsRow extends UsageFigures {
  label: string;
  tokens: number;
  cost: number | null;
}

/** One row per group, most requests first (the API's order), with labels, total tokens and the energy's cost. */
export function usageTotalsRows(report: Pick<UsageReportJson, "totals" | "groupBy" | "groupLabels" | "energyPrice">): UsageTotalsRow[] {
  return report.totals.map((total) => ({
    ...total,
    label: groupLabel(total.group, report.groupBy, report.groupLabels),
    tokens: total.promptTokens + total.completionTokens,
    cost: energyCost(total.energyWh, report.energyPrice),
  }));
}

export const LAB_SERIES_KEYS = [
  "requests",
  "status4xx",
  "status5xx",
  "failedStreams",
  "promptTokens",
  "completionTokens",
  "energyWh",
  "ttftP50Ms",
  "ttftP95Ms",
  "ttftP99Ms",
  "durationP50Ms",
  "durationP95Ms",
  "durationP99Ms",
] as const;
export type LabSeriesKey = (typeof LAB_SERIES_KEYS)[number];
const COUNTER_KEYS = new Set<LabSeriesKey>(["requests", "status4xx", "status5xx", "failedStreams", "promptTokens", "completionTokens", "energyWh"]);

/** The bucket starts across the report's window, aligned as the API aligns them (multiples of the bucket since the epoch). */
function bucketStarts(report: Pick<UsageReportJson, "from" | "to" | "bucketMs">): number[] {
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  const starts: number[] = [];
  for (let t = Math.floor(from / report.bucketMs) * report.bucketMs; t < to; t += report.bucketMs) starts.push(t);
  return starts;
}

/**
 * The whole lab over time from an ungrouped report, one row per bucket of the window: a bucket without requests is
 * zero requests, tokens and energy (nothing happened), but its latencies are gaps (there was nothing to measure).
 */
export function labSeries(report: Pick<UsageReportJson, "from" | "to" | "bucketMs" | "series">): PreparedSeries<LabSeriesKey> {
  const byBucket = new Map(report.series.map((point) => [point.at, point]));
  const rows = bucketStarts(report).map((t) => {
    const point = byBucket.get(t);
    const row = { t } as SeriesRow<LabSeriesKey>;
    for (const key of LAB_SERIES_KEYS) row[key] = point ? point[key] : COUNTER_KEYS.has(key) ? 0 : null;
    return row;
  });
  return { rows, domain: [Date.parse(report.from), Date.parse(report.to)], bucketMs: report.bucketMs };
}

export const GROUP_METRICS = ["requests", "tokens", "errors", "energyWh"] as const;
export type GroupMetric = (typeof GROUP_METRICS)[number];
export const GROUP_METRIC_LABELS: Record<GroupMetric, string> = { requests: "Requests", tokens: "Tokens", errors: "Errors (4xx + 5xx + cut streams)", energyWh: "Energy (Wh)" };

function metricOf(figures: UsageFigures, metric: GroupMetric): number {
  switch (metric) {
    case "requests":
      return figures.requests;
    case "tokens":
      return figures.promptTokens + figures.completionTokens;
    case "errors":
      return figures.status4xx + clientFailures(figures);
    case "energyWh":
      return figures.energyWh;
  }
}

export interface GroupSeries {
  data: PreparedSeries<string>;
  /** The chart's lines: the largest groups by the metric over the window, then the rest together as "other". */
  lines: { key: string; label: string }[];
}

/** One metric per group over time, for the largest `maxLines` groups (the rest summed as "other"), every bucket present. */
export function groupSeries(report: Pick<UsageReportJson, "from" | "to" | "bucketMs" | "series" | "totals" | "groupBy" | "groupLabels">, metric: GroupMetric, maxLines = 5): GroupSeries {
  const ranked = [...report.totals].sort((a, b) => metricOf(b, metric) - metricOf(a, metric));
  const shown = ranked.slice(0, maxLines);
  const keyOf = new Map(shown.map((total, i) => [total.group, `g${i}`]));
  const lines = shown.map((total, i) => ({ key: `g${i}`, label: groupLabel(total.group, report.groupBy, report.groupLabels) }));
  if (ranked.length > maxLines) lines.push({ key: "other", label: `${ranked.length - maxLines} other${ranked.length - maxLines === 1 ? "" : "s"}` });
  const sums = new Map<number, Record<string, number>>();
  for (const point of report.series) {
    const key = keyOf.get(point.group) ?? "other";
    const bucket = sums.get(point.at) ?? {};
    bucket[key] = (bucket[key] ?? 0) + metricOf(point, metric);
    sums.set(point.at, bucket);
  }
  const rows = bucketStarts(report).map((t) => {
    const row: SeriesRow<string> = { t };
    for (const line of lines) row[line.key] = sums.get(t)?.[line.key] ?? 0;
    return row;
  });
  return { data: { rows, domain: [Date.parse(report.from), Date.parse(report.to)], bucketMs: report.bucketMs }, lines };
}

/** "per 15 min", "per hour", "per 4 h": what one point of a series counts. */
export function perBucket(bucketMs: number): string {
  const minutes = Math.round(bucketMs / 60_000);
  if (minutes === 1) return "per minute";
  if (minutes === 60) return "per hour";
  if (minutes < 60) return `per ${minutes} min`;
  return `per ${+(minutes / 60).toFixed(1)} h`;
}

/** "213 · 462 · 492 ms" when all are under a second (the unit once, so the column stays narrow), else each with its unit. */
export function formatPercentiles(values: readonly (number | null)[]): string {
  if (values.every((value) => value === null)) return MISSING;
  if (values.every((value) => value !== null && value < 1_000)) return `${values.map((value) => Math.round(value!)).join(" · ")} ms`;
  return values.map(formatDuration).join(" · ");
}
