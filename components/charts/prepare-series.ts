/**
 * The "prepare" layer of every chart (the render layer only draws what these return): put the API's points into
 * evenly spaced buckets, convert units, and turn missing buckets into explicit gaps. A missing bucket means no
 * data (telemetry was down, the backend was stopped); drawing a line across it would invent values.
 */

export type SeriesRow<K extends string> = { t: number } & { [P in K]: number | null };

/** Averages points into buckets aligned on multiples of `bucketMs`; a value is null only if the whole bucket had none. */
export function bucketAverage<K extends string>(points: readonly SeriesRow<K>[], keys: readonly K[], bucketMs: number): SeriesRow<K>[] {
  if (bucketMs <= 0) return [...points].sort((a, b) => a.t - b.t);
  const buckets = new Map<number, { sums: Record<string, number>; counts: Record<string, number> }>();
  for (const point of points) {
    const start = Math.floor(point.t / bucketMs) * bucketMs;
    let bucket = buckets.get(start);
    if (!bucket) {
      bucket = { sums: {}, counts: {} };
      buckets.set(start, bucket);
    }
    for (const key of keys) {
      const value = point[key];
      if (value === null || !Number.isFinite(value)) continue;
      bucket.sums[key] = (bucket.sums[key] ?? 0) + value;
      bucket.counts[key] = (bucket.counts[key] ?? 0) + 1;
    }
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, { sums, counts }]) => {
      const row = { t } as SeriesRow<K>;
      for (const key of keys) {
        const count = counts[key] ?? 0;
        (row as Record<string, number | null>)[key] = count > 0 ? (sums[key] ?? 0) / count : null;
      }
      return row;
    });
}

/**
 * Inserts an all-null row after any point followed by silence longer than 1.5 buckets, so a line chart (with
 * connectNulls off) breaks there instead of drawing a straight line through the missing time.
 */
export function insertGaps<K extends string>(rows: readonly SeriesRow<K>[], keys: readonly K[], bucketMs: number): SeriesRow<K>[] {
  const out: SeriesRow<K>[] = [];
  rows.forEach((row, i) => {
    const previous = rows[i - 1];
    if (previous && row.t - previous.t > bucketMs * 1.5) out.push(nullRow(previous.t + bucketMs, keys));
    out.push(row);
  });
  return out;
}

function nullRow<K extends string>(t: number, keys: readonly K[]): SeriesRow<K> {
  const row = { t } as SeriesRow<K>;
  for (const key of keys) (row as Record<string, number | null>)[key] = null;
  return row;
}

const NICE_BUCKETS_MS = [1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000];

/** The display bucket: at least the source's resolution, coarse enough for at most `maxPoints` across the span. */
export function displayBucketMs(spanMs: number, sourceBucketMs: number, maxPoints = 300): number {
  const wanted = Math.max(sourceBucketMs, spanMs / maxPoints);
  return NICE_BUCKETS_MS.find((step) => step >= wanted && step % Math.max(sourceBucketMs, 1) === 0) ?? Math.ceil(wanted / sourceBucketMs) * sourceBucketMs;
}

export interface PreparedSeries<K extends string> {
  rows: SeriesRow<K>[];
  /** The x-axis: the whole requested range, so missing data at either end shows as empty space. */
  domain: [number, number];
  bucketMs: number;
}

/** Bucketing + gaps for one chart over [now - spanMs, now]. */
export function prepareSeries<K extends string>(
  points: readonly SeriesRow<K>[],
  keys: readonly K[],
  { spanMs, sourceBucketMs, now, maxPoints = 300 }: { spanMs: number; sourceBucketMs: number; now: number; maxPoints?: number },
): PreparedSeries<K> {
  const from = now - spanMs;
  const bucketMs = displayBucketMs(spanMs, sourceBucketMs, maxPoints);
  const inRange = points.filter((p) => p.t >= from - bucketMs && p.t <= now);
  return { rows: insertGaps(bucketAverage(inRange, keys, bucketMs), keys, bucketMs), domain: [from, now], bucketMs };
}

const TICK_STEPS_MS = [60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000];

/** Round-numbered time ticks (every 5 min, every hour, every day...) across a domain, at most `maxTicks`. */
export function timeTicks([from, to]: readonly [number, number], maxTicks = 6): number[] {
  const span = to - from;
  const step = TICK_STEPS_MS.find((s) => span / s <= maxTicks) ?? 86_400_000 * Math.ceil(span / 86_400_000 / maxTicks);
  // Align on the local zone's round times (a tick at 14:00 local, not 14:00 UTC).
  const offset = new Date(from).getTimezoneOffset() * 60_000;
  const ticks: number[] = [];
  for (let t = Math.ceil((from - offset) / step) * step + offset; t <= to; t += step) ticks.push(t);
  return ticks;
}
