import type { SqliteDatabase } from "@/lib/db/sqlite";
import { toDbTimestamp } from "@/lib/db/timestamps";
import {
  DURATION_BOUNDS_MS,
  histogramColumns,
  percentileFromBuckets,
  ROLLUP_COUNTERS,
  TTFT_BOUNDS_MS,
  type RollupDimension,
} from "@/lib/request-log/rollup";

// Usage over time from the per-minute rollups (RequestRollup), never from raw rows: a day is at most 1,440 minutes
// times the combinations seen in them. Percentiles come from the summed histogram buckets.

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
  clientAborts: number;
  promptTokens: number;
  completionTokens: number;
  energyWh: number;
  ttftMeanMs: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftP99Ms: number | null;
  durationMeanMs: number | null;
  durationP50Ms: number | null;
  durationP95Ms: number | null;
  durationP99Ms: number | null;
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

const sums = ROLLUP_COUNTERS.map((counter) => `SUM("${counter}") AS "${counter}"`).join(", ");

function figures(row: Record<string, number>): UsageFigures {
  const ttft = histogramColumns("ttft").map((column) => row[column] ?? 0);
  const duration = histogramColumns("duration").map((column) => row[column] ?? 0);
  const mean = (sum: number, count: number) => (count > 0 ? sum / count : null);
  return {
    requests: row.requests ?? 0,
    status4xx: row.status4xx ?? 0,
    status5xx: row.status5xx ?? 0,
    clientAborts: row.clientAborts ?? 0,
    promptTokens: row.promptTokens ?? 0,
    completionTokens: row.completionTokens ?? 0,
    energyWh: row.energyWh ?? 0,
    ttftMeanMs: mean(row.ttftSumMs ?? 0, row.ttftCount ?? 0),
    ttftP50Ms: percentileFromBuckets(ttft, TTFT_BOUNDS_MS, 0.5),
    ttftP95Ms: percentileFromBuckets(ttft, TTFT_BOUNDS_MS, 0.95),
    ttftP99Ms: percentileFromBuckets(ttft, TTFT_BOUNDS_MS, 0.99),
    durationMeanMs: mean(row.durationSumMs ?? 0, row.durationCount ?? 0),
    durationP50Ms: percentileFromBuckets(duration, DURATION_BOUNDS_MS, 0.5),
    durationP95Ms: percentileFromBuckets(duration, DURATION_BOUNDS_MS, 0.95),
    durationP99Ms: percentileFromBuckets(duration, DURATION_BOUNDS_MS, 0.99),
  };
}

/** Requests, tokens, errors, energy and latency percentiles per bucket of time (and group), and their totals. */
export function usageReport(db: SqliteDatabase, params: UsageParams): UsageReport {
  const bucketSeconds = Math.max(60, Math.round(params.bucketMs / 60_000) * 60);
  const group = params.groupBy ? `"${params.groupBy}"` : "NULL";
  const range = [toDbTimestamp(params.from), toDbTimestamp(params.to)];
  // The primary key starts with the minute: both queries read the range of the key, nothing else.
  const series = db
    .prepare(
      `SELECT (unixepoch("minute") / ${bucketSeconds}) * ${bucketSeconds} AS "bucket", ${group} AS "group", ${sums}
       FROM "RequestRollup" WHERE "minute" >= ? AND "minute" < ? GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all(...range) as (Record<string, number> & { bucket: number; group: string | null })[];
  const totals = db
    .prepare(`SELECT ${group} AS "group", ${sums} FROM "RequestRollup" WHERE "minute" >= ? AND "minute" < ? GROUP BY 1 ORDER BY "requests" DESC`)
    .all(...range) as (Record<string, number> & { group: string | null })[];
  return {
    from: params.from.toISOString(),
    to: params.to.toISOString(),
    bucketMs: bucketSeconds * 1000,
    groupBy: params.groupBy ?? null,
    series: series.map((row) => ({ at: row.bucket * 1000, group: row.group, ...figures(row) })),
    totals: totals.map((row) => ({ group: row.group, ...figures(row) })),
  };
}
