import { describe, expect, test } from "vitest";
import { bucketOf, DURATION_BOUNDS_MS, isFailedStream, percentileFromBuckets, rollupOf, TTFT_BOUNDS_MS, type RollupSource } from "./rollup";

/** Bucket counts of the TTFT histogram for these values, as the rollup writer fills them. */
function ttftBuckets(values: number[]): number[] {
  const counts = new Array<number>(TTFT_BOUNDS_MS.length + 1).fill(0);
  for (const value of values) counts[bucketOf(value, TTFT_BOUNDS_MS)]!++;
  return counts;
}

const quantiles = [0.5, 0.95, 0.99];

describe("percentiles from histogram buckets", () => {
  test("a single 1 ms request reads 1 ms at every percentile, not 50 · 95 · 99 ms of its 0..100 ms bucket", () => {
    const counts = new Array<number>(DURATION_BOUNDS_MS.length + 1).fill(0);
    counts[bucketOf(1, DURATION_BOUNDS_MS)] = 1;
    expect(quantiles.map((q) => percentileFromBuckets(counts, DURATION_BOUNDS_MS, q, 1))).toEqual([1, 1, 1]);
    // Without the maximum (rollups from before it was kept): the bucket's interpolation, as before.
    expect(quantiles.map((q) => percentileFromBuckets(counts, DURATION_BOUNDS_MS, q))).toEqual([50, 95, 99]);
  });

  test("the operator's case: the slowest TTFT was 102 ms, so p99 is at most 102 ms (it read 244 ms)", () => {
    const values = [...Array.from({ length: 90 }, (_, i) => 30 + (i % 20)), ...Array.from({ length: 10 }, (_, i) => 95 + i * 0.7)];
    const max = Math.max(...values);
    const p99 = percentileFromBuckets(ttftBuckets(values), TTFT_BOUNDS_MS, 0.99, max)!;
    expect(p99).toBeLessThanOrEqual(max);
    expect(p99).toBeGreaterThanOrEqual(100); // the rank falls in the 100..250 ms bucket
  });

  test("a known distribution: interpolated inside the bucket holding the rank, never above the maximum", () => {
    // 100 requests: 50 in 25..50 ms, 45 in 50..100 ms, 5 in 250..500 ms (the slowest 300 ms).
    const counts = ttftBuckets([...new Array<number>(50).fill(30), ...new Array<number>(45).fill(60), ...new Array<number>(4).fill(260), 300]);
    // p50: rank 50, the last of the 25..50 bucket: its upper bound. p95: rank 95, the end of 50..100.
    expect(percentileFromBuckets(counts, TTFT_BOUNDS_MS, 0.5, 300)).toBe(50);
    expect(percentileFromBuckets(counts, TTFT_BOUNDS_MS, 0.95, 300)).toBe(100);
    // p99: rank 99, 4 of the 5 in 250..500: 250 + 250 * 4/5 = 450, above the 300 ms seen, so 300.
    expect(percentileFromBuckets(counts, TTFT_BOUNDS_MS, 0.99, 300)).toBe(300);
    // p97: rank 97, 2 of 5: 250 + 100 = 350 > 300 -> 300; p96: 1 of 5: 300 -> 300.
    expect(percentileFromBuckets(counts, TTFT_BOUNDS_MS, 0.96, 300)).toBe(300);
    // Inside a bucket and below the maximum: linear, as Prometheus' histogram_quantile. p75: rank 75, 25 of 45 in 50..100.
    expect(percentileFromBuckets(counts, TTFT_BOUNDS_MS, 0.75, 300)).toBeCloseTo(50 + (50 * 25) / 45, 9);
    for (let q = 0.01; q <= 1; q += 0.01) expect(percentileFromBuckets(counts, TTFT_BOUNDS_MS, q, 300)!).toBeLessThanOrEqual(300);
  });

  test("the open last bucket ends at the maximum seen; without it, its lower bound", () => {
    const counts = ttftBuckets([70_000, 90_000]);
    expect(percentileFromBuckets(counts, TTFT_BOUNDS_MS, 0.5, 90_000)).toBe(75_000);
    expect(percentileFromBuckets(counts, TTFT_BOUNDS_MS, 0.99, 90_000)).toBeCloseTo(89_700, 6);
    expect(percentileFromBuckets(counts, TTFT_BOUNDS_MS, 0.99)).toBe(60_000);
  });

  test("no requests: no percentile", () => {
    expect(percentileFromBuckets(ttftBuckets([]), TTFT_BOUNDS_MS, 0.5, 0)).toBeNull();
  });
});

describe("what a finished request adds to its rollup", () => {
  const source = (over: Partial<RollupSource>): RollupSource => ({
    receivedAt: new Date(Date.UTC(2026, 11, 6, 10, 0, 30)),
    backend: "qwen-7b",
    route: "fast",
    requestedModel: "fast",
    apiKeyId: null,
    clientAddress: null,
    status: 200,
    outcome: "served",
    promptTokens: null,
    completionTokens: null,
    energyWh: null,
    ttftMs: 12,
    durationMs: 340,
    ...over,
  });

  test("a stream cut after its 200 (upstream_error or timeout with a 2xx) is a failed stream, in no status class", () => {
    for (const outcome of ["upstream_error", "timeout"]) {
      expect(rollupOf(source({ outcome })).counts).toMatchObject({ failedStreams: 1, status4xx: 0, status5xx: 0 });
    }
    // A 502 or 504 before any byte went out is a 5xx, not a cut stream; served, aborted by the client: neither.
    expect(rollupOf(source({ status: 502, outcome: "upstream_error" })).counts).toMatchObject({ failedStreams: 0, status5xx: 1 });
    expect(rollupOf(source({ status: 504, outcome: "timeout" })).counts).toMatchObject({ failedStreams: 0, status5xx: 1 });
    expect(rollupOf(source({ outcome: "client_abort" })).counts).toMatchObject({ failedStreams: 0, clientAborts: 1 });
    expect(isFailedStream(null, "upstream_error")).toBe(false);
  });

  test("it carries its TTFT and duration as the maxima (0 when not measured)", () => {
    expect(rollupOf(source({})).counts).toMatchObject({ ttftMaxMs: 12, durationMaxMs: 340 });
    expect(rollupOf(source({ ttftMs: null, durationMs: null })).counts).toMatchObject({ ttftMaxMs: 0, durationMaxMs: 0 });
  });
});
