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
] as const;
export type RollupCounter = (typeof ROLLUP_COUNTERS)[number];

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
  const counts: RollupCounts = Object.fromEntries(ROLLUP_COUNTERS.map((counter) => [counter, 0]));
  counts.requests = 1;
  const status = source.status ?? 0;
  if (status >= 400 && status < 500) counts.status4xx = 1;
  if (status >= 500) counts.status5xx = 1;
  if (source.outcome === "client_abort") counts.clientAborts = 1;
  counts.promptTokens = source.promptTokens ?? 0;
  counts.completionTokens = source.completionTokens ?? 0;
  counts.energyWh = finite(source.energyWh) ? source.energyWh : 0;
  if (finite(source.ttftMs)) {
    counts.ttftCount = 1;
    counts.ttftSumMs = source.ttftMs;
    counts[TTFT_COLUMNS[bucketOf(source.ttftMs, TTFT_BOUNDS_MS)]!] = 1;
  }
  if (finite(source.durationMs)) {
    counts.durationCount = 1;
    counts.durationSumMs = source.durationMs;
    counts[DURATION_COLUMNS[bucketOf(source.durationMs, DURATION_BOUNDS_MS)]!] = 1;
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
 * A percentile (0..1) from bucket counts: the bucket holding that rank, interpolated linearly inside it. The
 * first bucket starts at 0; the last (open-ended) one reports its lower bound, the most that can be said.
 */
export function percentileFromBuckets(counts: readonly number[], bounds: readonly number[], quantile: number): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = quantile * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] ?? 0;
    if (n > 0 && below + n >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = bounds[i]!;
      return lower + ((upper - lower) * Math.max(0, rank - below)) / n;
    }
    below += n;
  }
  return bounds[bounds.length - 1] ?? null;
}
