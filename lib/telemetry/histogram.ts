import { parsePrometheusValue, type PrometheusSample } from "./prometheus-text";

/**
 * A classic Prometheus histogram at one moment: cumulative bucket counts by upper bound (`le`), sorted by bound,
 * the last one `+Inf` when the source is well-formed.
 */
export interface Histogram {
  buckets: Array<[le: number, count: number]>;
  sum: number;
  count: number;
}

/**
 * Reads histogram `baseName` (without `_bucket`) from a scrape, summing over series that differ only in other labels
 * (one per vLLM engine, for example), as `sum by (le)` would. `null` when the scrape has no buckets for it.
 */
export function histogramFromSamples(
  samples: readonly PrometheusSample[],
  baseName: string,
  match: Readonly<Record<string, string>> = {},
): Histogram | null {
  const wanted = Object.entries(match);
  const matches = (sample: PrometheusSample) => wanted.every(([key, value]) => sample.labels[key] === value);
  const byBound = new Map<number, number>();
  let sum = 0;
  let count: number | null = null;
  for (const sample of samples) {
    if (!matches(sample)) continue;
    if (sample.name === `${baseName}_bucket`) {
      const le = parsePrometheusValue(sample.labels.le ?? "");
      if (le === null || Number.isNaN(le)) continue;
      byBound.set(le, (byBound.get(le) ?? 0) + sample.value);
    } else if (sample.name === `${baseName}_sum`) {
      sum += sample.value;
    } else if (sample.name === `${baseName}_count`) {
      count = (count ?? 0) + sample.value;
    }
  }
  if (byBound.size === 0) return null;
  const buckets = [...byBound.entries()].sort((a, b) => a[0] - b[0]);
  return { buckets, sum, count: count ?? byBound.get(Infinity) ?? 0 };
}

/**
 * The observations made between two readings of the same histogram (what `increase()` gives Prometheus).
 * A count that went down means the process restarted: everything in `later` is then new.
 */
export function histogramIncrease(earlier: Histogram, later: Histogram): Histogram {
  const before = new Map(earlier.buckets);
  const reset =
    later.count < earlier.count || later.buckets.some(([le, count]) => count < (before.get(le) ?? 0));
  if (reset) return cloneHistogram(later);
  return {
    buckets: later.buckets.map(([le, count]) => [le, count - (before.get(le) ?? 0)]),
    sum: later.sum - earlier.sum,
    count: later.count - earlier.count,
  };
}

/**
 * The q-quantile (0 <= q <= 1) estimated from bucket counts, with the same rules as PromQL's `histogram_quantile`:
 * linear interpolation inside the bucket, a lower bound of 0 for the first bucket, and the second-highest bound
 * when the quantile falls in the `+Inf` bucket. `null` where Prometheus would give NaN (no observations, no `+Inf`
 * bucket, fewer than two buckets) or q is out of range.
 */
export function histogramQuantile(q: number, histogram: Histogram): number | null {
  if (!(q >= 0 && q <= 1)) return null;
  const buckets = coalesce([...histogram.buckets].sort((a, b) => a[0] - b[0]));
  const last = buckets[buckets.length - 1];
  if (!last || last[0] !== Infinity || buckets.length < 2) return null;
  ensureMonotonic(buckets);

  const observations = last[1];
  if (observations === 0) return null;
  let rank = q * observations;
  // First bucket (excluding +Inf) whose cumulative count reaches the rank.
  let b = buckets.findIndex(([, count], i) => i < buckets.length - 1 && count >= rank);
  if (b === -1) b = buckets.length - 1;

  if (b === buckets.length - 1) return buckets[buckets.length - 2]?.[0] ?? null;
  const [bucketEnd, bucketCount] = buckets[b] ?? [0, 0];
  if (b === 0 && bucketEnd <= 0) return bucketEnd;
  let bucketStart = 0;
  let count = bucketCount;
  const previous = buckets[b - 1];
  if (previous) {
    bucketStart = previous[0];
    count -= previous[1];
    rank -= previous[1];
  }
  if (count === 0) return bucketStart; // only reachable for q = 0 over leading empty buckets
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Mean observation, or `null` when there is none. */
export function histogramMean(histogram: Histogram): number | null {
  return histogram.count > 0 ? histogram.sum / histogram.count : null;
}

function cloneHistogram(histogram: Histogram): Histogram {
  return { buckets: histogram.buckets.map(([le, count]) => [le, count]), sum: histogram.sum, count: histogram.count };
}

function coalesce(sorted: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [le, count] of sorted) {
    const last = out[out.length - 1];
    if (last && last[0] === le) last[1] += count;
    else out.push([le, count]);
  }
  return out;
}

// Counts read from two moments can be slightly out of order across buckets; Prometheus takes the running maximum.
function ensureMonotonic(buckets: Array<[number, number]>): void {
  let max = -Infinity;
  for (const bucket of buckets) {
    if (bucket[1] > max) max = bucket[1];
    else bucket[1] = max;
  }
}
