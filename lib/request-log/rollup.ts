// Per-minute rollups of finished requests (the RequestRollup table), defined once: the dimensions, the counters,
// the histogram buckets and how a finished request adds to them. The writer applies them in the same transaction
// as the row (lib/db/request-log-writer.ts); the migration that created the table fills it with the same rules in
// SQL (prisma/migrations/20261206120000_request_log_at_scale), and a test recounts from raw rows to keep both honest.
//
// A leaf module (no imports), so the writer, the queries and the console's chart code can all use it.

/** TTFT histogram bounds in ms: bucket i counts values below TTFT_BOUNDS_MS[i] (and at or above the one before); the last bucket is the rest. */
export const TTFT_BOUNDS_MS = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000] as const;
/** Duration histogram bounds in ms, read as TTFT_BOUNDS_MS. */
export const DURATION_BOUNDS_MS = [100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 300_000] as const;
export const BUCKET_COUNT = TTFT_BOUNDS_MS.length + 1;

/** What a rollup row is per minute of: "" stands for none (the columns are part of the key, so never null). */
export const ROLLUP_DIMENSIONS = ["backend", "route", "requestedModel", "apiKeyId", "clientAddress"] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

const TTFT_COLUMNS = TTFT_BOUNDS_MS.map((_, i) => `ttft${i}`).concat(`ttft${TTFT_BOUNDS_MS.length}`);
const DURATION_COLUMNS = DURATION_BOUNDS_MS.map((_, i) => `duration${i}`).concat(`duration${DURATION_BOUNDS_MS.length}`);

/** The additive columns of a rollup row, in table order. */
export const ROLLUP_COUNTERS = [
  "requests",
  "status4xx",
  "status5xx",
  "clientAborts",
  "promptTokens",
  "completionTokens",
  "energyWh",
  "ttftCount",
  "ttftSumMs",
  "durationCount",
  "durationSumMs",
  ...TTFT_COLUMNS,
  ...DURATION_COLUMNS,
  "failedStreams",
] as const;
export type RollupCounter = (typeof ROLLUP_COUNTERS)[number];

/**
 * The columns of a rollup row that keep the largest value seen, not a sum: exact maxima that cap the percentiles
 * estimated from the histogram buckets. Merged with MAX; a replaced final row's value cannot be taken back (the
 * rollup does not know the next largest), so after a replacement they may exceed a recount from the rows.
 */
export const ROLLUP_MAXIMA = ["ttftMaxMs", "durationMaxMs"] as const;
export type RollupMaximum = (typeof ROLLUP_MAXIMA)[number];

/**
 * A stream cut after its 200 went out: the client saw a 200, then an error event (backend gone, or idle too long),
 * so the row keeps status 2xx with outcome upstream_error or timeout. As bad as a 5xx for the user, but not in any
 * status class: the rollups count them apart (failedStreams) so health and usage can count them as errors.
 */
export function isFailedStream(status: number | null, outcome: string): boolean {
  return status !== null && status >= 200 && status < 300 && (outcome === "upstream_error" || outcome === "timeout");
}

/** Requests that failed their client: answered 5xx, or cut mid-stream after their 200. Health, usage and alerts count these. */
export function clientFailures(counts: { status5xx: number; failedStreams: number }): number {
  return counts.status5xx + counts.failedStreams;
}

/** The fields of a finished request a rollup reads. */
export interface RollupSource {
  receivedAt: Date;
  backend: string | null;
  route: string | null;
  requestedModel: string | null;
  apiKeyId: string | null;
  clientAddress: string | null;
  status: number | null;
  outcome: string;
  promptTokens: number | null;
  completionTokens: number | null;
  energyWh: number | null;
  ttftMs: number | null;
  durationMs: number | null;
}

export type RollupKey = { minute: Date } & Record<RollupDimension, string>;
export type RollupCounts = Record<string, number>;

/** The bucket a value falls in: the first bound it is below, else the last bucket. */
export function bucketOf(value: number, bounds: readonly number[]): number {
  for (let i = 0; i < bounds.length; i++) if (value < bounds[i]!) return i;
  return bounds.length;
}

export function minuteOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}

const finite = (value: number | null): value is number => value !== null && Number.isFinite(value);

/** Which rollup row a finished request adds to, and what it adds. Open requests add nothing until they finish. */
export function rollupOf(source: RollupSource): { key: RollupKey; counts: RollupCounts } {
  const key: RollupKey = {
    minute: minuteOf(source.receivedAt),
    backend: source.backend ?? "",
    route: source.route ?? "",
    requestedModel: source.requestedModel ?? "",
    apiKeyId: source.apiKeyId ?? "",
    clientAddress: source.clientAddress ?? "",
  };
  const counts: RollupCounts = Object.fromEntries([...ROLLUP_COUNTERS, ...ROLLUP_MAXIMA].map((column) => [column, 0]));
  counts.requests = 1;
  const status = source.status ?? 0;
  if (status >= 400 && status < 500) counts.status4xx = 1;
  if (status >= 500) counts.status5xx = 1;
  if (source.outcome === "client_abort") counts.clientAborts = 1;
  if (isFailedStream(source.status, source.outcome)) counts.failedStreams = 1;
  counts.promptTokens = source.promptTokens ?? 0;
  counts.completionTokens = source.completionTokens ?? 0;
  counts.energyWh = finite(source.energyWh) ? source.energyWh : 0;
  if (finite(source.ttftMs)) {
    counts.ttftCount = 1;
    counts.ttftSumMs = source.ttftMs;
    counts[TTFT_COLUMNS[bucketOf(source.ttftMs, TTFT_BOUNDS_MS)]!] = 1;
    counts.ttftMaxMs = source.ttftMs;
  }
  if (finite(source.durationMs)) {
    counts.durationCount = 1;
    counts.durationSumMs = source.durationMs;
    counts[DURATION_COLUMNS[bucketOf(source.durationMs, DURATION_BOUNDS_MS)]!] = 1;
    counts.durationMaxMs = source.durationMs;
  }
  return { key, counts };
}

/**
 * The narrow usage table (RequestUsage): per bucket of a period and per one dimension (or the whole lab, dimension
 * ""), so a chart over a day reads a few hundred rows instead of the minute rollup's tens of thousands.
 */
export const USAGE_PERIODS = { "15m": 15 * 60_000, "1h": 60 * 60_000 } as const;
export type UsagePeriod = keyof typeof USAGE_PERIODS;
export const USAGE_DIMENSIONS = ["", ...ROLLUP_DIMENSIONS] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

export type UsageKey = { period: UsagePeriod; dimension: UsageDimension; bucket: Date; value: string };

export function bucketOfPeriod(at: Date, period: UsagePeriod): Date {
  const length = USAGE_PERIODS[period];
  return new Date(Math.floor(at.getTime() / length) * length);
}

/** The usage rows a minute rollup row adds to: every period, the whole lab and each dimension's value. */
export function usageKeysOf(key: RollupKey): UsageKey[] {
  return (Object.keys(USAGE_PERIODS) as UsagePeriod[]).flatMap((period) =>
    USAGE_DIMENSIONS.map((dimension) => ({ period, dimension, bucket: bucketOfPeriod(key.minute, period), value: dimension === "" ? "" : key[dimension] })),
  );
}

/** The histogram columns of one measure, in bucket order. */
export function histogramColumns(measure: "ttft" | "duration"): readonly string[] {
  return measure === "ttft" ? TTFT_COLUMNS : DURATION_COLUMNS;
}

/**
 * A percentile (0..1) from bucket counts: the bucket holding that rank, interpolated linearly inside it (as
 * Prometheus' histogram_quantile does). The first bucket starts at 0; the last (open-ended) one reports its lower
 * bound. `maxMs`, the largest value observed (0 or absent: unknown), caps the estimate and closes the last bucket:
 * interpolation alone puts a lone 1 ms request at 50/95/99 ms of its 0..100 ms bucket, higher than anything seen;
 * capped, it reads 1/1/1 ms.
 */
export function percentileFromBuckets(counts: readonly number[], bounds: readonly number[], quantile: number, maxMs?: number): number | null {
  const estimate = interpolatedPercentile(counts, bounds, quantile, maxMs !== undefined && maxMs > 0 ? maxMs : null);
  return estimate !== null && maxMs !== undefined && maxMs > 0 ? Math.min(estimate, maxMs) : estimate;
}

function interpolatedPercentile(counts: readonly number[], bounds: readonly number[], quantile: number, max: number | null): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = quantile * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] ?? 0;
    if (n > 0 && below + n >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      if (i >= bounds.length && max === null) return lower;
      // The open last bucket ends at the largest value seen; the cap in percentileFromBuckets does the rest.
      const upper = i >= bounds.length ? Math.max(lower, max!) : bounds[i]!;
      return lower + ((upper - lower) * Math.max(0, rank - below)) / n;
    }
    below += n;
  }
  return bounds[bounds.length - 1] ?? null;
}
