import type { SqliteDatabase } from "@/lib/db/sqlite";
import { toDbTimestamp } from "@/lib/db/timestamps";
import {
  DURATION_BOUNDS_MS,
  histogramColumns,
  percentileFromBuckets,
  ROLLUP_COUNTERS,
  ROLLUP_DIMENSIONS,
  ROLLUP_MAXIMA,
  TTFT_BOUNDS_MS,
  USAGE_PERIODS,
  type RollupDimension,
  type UsagePeriod,
} from "@/lib/request-log/rollup";

// Usage over time from the rollups, never from raw rows. Buckets of 15 minutes or more read RequestUsage (one row per
// bucket and value of the one dimension asked for: a day by API key is a few thousand rows); shorter ones read the
// per-minute RequestRollup over what is then a short range. Percentiles come from the summed histogram buckets,
// interpolated within the bucket and capped by the exact largest value (ttftMaxMs, durationMaxMs), so never above it.

export interface UsageParams {
  from: Date;
  to: Date;
  /** Width of a point of the series; a multiple of a minute. */
  bucketMs: number;
  /** Split each point and the totals by this dimension; absent: the whole lab. */
  groupBy?: RollupDimension;
}

export interface UsageFigures {
  requests: number;
  status4xx: number;
  status5xx: number;
  /** Streams cut after their 200 went out (status 2xx, outcome upstream_error or timeout): errors to clients beside the 5xx. */
  failedStreams: number;
  clientAborts: number;
  promptTokens: number;
  completionTokens: number;
  energyWh: number;
  ttftMeanMs: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftP99Ms: number | null;
  /** The slowest seen, exact (null: none measured). */
  ttftMaxMs: number | null;
  durationMeanMs: number | null;
  durationP50Ms: number | null;
  durationP95Ms: number | null;
  durationP99Ms: number | null;
  durationMaxMs: number | null;
}

export interface UsagePoint extends UsageFigures {
  /** Start of the bucket, epoch ms. */
  at: number;
  /** The group's value ("" = none), or null when not grouped. */
  group: string | null;
}

export interface UsageReport {
  from: string;
  to: string;
  bucketMs: number;
  groupBy: RollupDimension | null;
  series: UsagePoint[];
  totals: (UsageFigures & { group: string | null })[];
}

const sums = [...ROLLUP_COUNTERS.map((counter) => `SUM("${counter}") AS "${counter}"`), ...ROLLUP_MAXIMA.map((maximum) => `MAX("${maximum}") AS "${maximum}"`)].join(", ");

function figures(row: Record<string, number>): UsageFigures {
  const ttft = histogramColumns("ttft").map((column) => row[column] ?? 0);
  const duration = histogramColumns("duration").map((column) => row[column] ?? 0);
  const mean = (sum: number, count: number) => (count > 0 ? sum / count : null);
  const ttftMax = row.ttftMaxMs ?? 0;
  const durationMax = row.durationMaxMs ?? 0;
  return {
    requests: row.requests ?? 0,
    status4xx: row.status4xx ?? 0,
    status5xx: row.status5xx ?? 0,
    failedStreams: row.failedStreams ?? 0,
    clientAborts: row.clientAborts ?? 0,
    promptTokens: row.promptTokens ?? 0,
    completionTokens: row.completionTokens ?? 0,
    energyWh: row.energyWh ?? 0,
    ttftMeanMs: mean(row.ttftSumMs ?? 0, row.ttftCount ?? 0),
    ttftP50Ms: percentileFromBuckets(ttft, TTFT_BOUNDS_MS, 0.5, ttftMax),
    ttftP95Ms: percentileFromBuckets(ttft, TTFT_BOUNDS_MS, 0.95, ttftMax),
    ttftP99Ms: percentileFromBuckets(ttft, TTFT_BOUNDS_MS, 0.99, ttftMax),
    ttftMaxMs: (row.ttftCount ?? 0) > 0 ? ttftMax : null,
    durationMeanMs: mean(row.durationSumMs ?? 0, row.durationCount ?? 0),
    durationP50Ms: percentileFromBuckets(duration, DURATION_BOUNDS_MS, 0.5, durationMax),
    durationP95Ms: percentileFromBuckets(duration, DURATION_BOUNDS_MS, 0.95, durationMax),
    durationP99Ms: percentileFromBuckets(duration, DURATION_BOUNDS_MS, 0.99, durationMax),
    durationMaxMs: (row.durationCount ?? 0) > 0 ? durationMax : null,
  };
}

/** Each group's counters over the whole range, summed from the series (one read of the table, not two); most requests first. */
function totalsOf(series: (Record<string, number> & { group: string | null })[]): (Record<string, number> & { group: string | null })[] {
  const byGroup = new Map<string | null, Record<string, number> & { group: string | null }>();
  for (const point of series) {
    let total = byGroup.get(point.group);
    if (!total) {
      total = { group: point.group, ...Object.fromEntries([...ROLLUP_COUNTERS, ...ROLLUP_MAXIMA].map((column) => [column, 0])) } as Record<string, number> & { group: string | null };
      byGroup.set(point.group, total);
    }
    for (const counter of ROLLUP_COUNTERS) total[counter]! += point[counter] ?? 0;
    for (const maximum of ROLLUP_MAXIMA) total[maximum] = Math.max(total[maximum]!, point[maximum] ?? 0);
  }
  return [...byGroup.values()].sort((a, b) => (b.requests ?? 0) - (a.requests ?? 0));
}

/** The coarsest usage period that divides the bucket (null: finer than every period, read the minute rollup). */
function usagePeriodFor(bucketSeconds: number): UsagePeriod | null {
  const periods = (Object.entries(USAGE_PERIODS) as [UsagePeriod, number][]).sort((a, b) => b[1] - a[1]);
  return periods.find(([, length]) => (bucketSeconds * 1000) % length === 0)?.[0] ?? null;
}

/** Requests, tokens, errors, energy and latency percentiles per bucket of time (and group), and their totals. */
export function usageReport(db: SqliteDatabase, params: UsageParams): UsageReport {
  // The dimension names a column in the SQL below: only the known ones.
  if (params.groupBy !== undefined && !ROLLUP_DIMENSIONS.includes(params.groupBy)) throw new Error(`unknown usage dimension ${String(params.groupBy)}`);
  const bucketSeconds = Math.max(60, Math.round(params.bucketMs / 60_000) * 60);
  const period = usagePeriodFor(bucketSeconds);
  // The range is rounded out to whole buckets of the source: a bucket that overlaps it counts whole.
  const step = period ? USAGE_PERIODS[period] : 60_000;
  const range = [toDbTimestamp(new Date(Math.floor(params.from.getTime() / step) * step)), toDbTimestamp(new Date(Math.ceil(params.to.getTime() / step) * step))];
  // Both sources' primary keys start with what is filtered here: each query reads one range of its key.
  const source = period
    ? { time: `"bucket"`, group: params.groupBy ? `"value"` : "NULL", from: `"RequestUsage" WHERE "period" = '${period}' AND "dimension" = '${params.groupBy ?? ""}' AND "bucket" >= ? AND "bucket" < ?` }
    : { time: `"minute"`, group: params.groupBy ? `"${params.groupBy}"` : "NULL", from: `"RequestRollup" WHERE "minute" >= ? AND "minute" < ?` };
  const series = db
    .prepare(`SELECT (unixepoch(${source.time}) / ${bucketSeconds}) * ${bucketSeconds} AS "bucket", ${source.group} AS "group", ${sums} FROM ${source.from} GROUP BY 1, 2 ORDER BY 1, 2`)
    .all(...range) as (Record<string, number> & { bucket: number; group: string | null })[];
  const totals = totalsOf(series);
  return {
    from: params.from.toISOString(),
    to: params.to.toISOString(),
    bucketMs: bucketSeconds * 1000,
    groupBy: params.groupBy ?? null,
    series: series.map((row) => ({ at: row.bucket * 1000, group: row.group, ...figures(row) })),
    totals: totals.map((row) => ({ group: row.group, ...figures(row) })),
  };
}
