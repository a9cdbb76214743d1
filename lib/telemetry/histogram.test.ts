import { describe, expect, test } from "vitest";
import { histogramFromSamples, histogramIncrease, histogramMean, histogramQuantile, type Histogram } from "./histogram";
import { parsePrometheusText } from "./prometheus-text";

const histogram = (buckets: Array<[number, number]>, sum = 0): Histogram => ({
  buckets,
  sum,
  count: buckets.at(-1)?.[1] ?? 0,
});

describe("histogramQuantile (PromQL histogram_quantile rules)", () => {
  // 100 observations: 10 up to 0.1 s, 50 more up to 0.5 s, 30 more up to 1 s, 10 above.
  const h = histogram([
    [0.1, 10],
    [0.5, 60],
    [1, 90],
    [Infinity, 100],
  ]);

  test("interpolates linearly inside the bucket that holds the rank", () => {
    // rank 50 lies 40/50 of the way through (0.1, 0.5]
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.42, 10);
    // rank 75 lies 15/30 of the way through (0.5, 1]
    expect(histogramQuantile(0.75, h)).toBeCloseTo(0.75, 10);
  });

  test("the first bucket starts at 0", () => {
    expect(histogramQuantile(0.05, h)).toBeCloseTo(0.05, 10);
  });

  test("a quantile in the +Inf bucket is the highest finite bound", () => {
    expect(histogramQuantile(0.95, h)).toBe(1);
    expect(histogramQuantile(1, h)).toBe(1);
  });

  test("q = 0 gives the lower end", () => {
    expect(histogramQuantile(0, h)).toBe(0);
    expect(histogramQuantile(0, histogram([[0.1, 0], [1, 4], [Infinity, 4]]))).toBe(0);
  });

  test("a first bucket with a non-positive bound returns that bound", () => {
    expect(histogramQuantile(0.1, histogram([[-1, 5], [0, 8], [Infinity, 10]]))).toBe(-1);
  });

  test("bucket order in the input does not matter", () => {
    const shuffled = histogram([
      [1, 90],
      [Infinity, 100],
      [0.1, 10],
      [0.5, 60],
    ]);
    shuffled.count = 100;
    expect(histogramQuantile(0.5, shuffled)).toBeCloseTo(0.42, 10);
  });

  test("non-monotonic counts are flattened to their running maximum, as Prometheus does", () => {
    const uneven = histogram([
      [0.1, 10],
      [0.5, 8],
      [1, 20],
      [Infinity, 20],
    ]);
    // the envelope is 10, 10, 20, 20: rank 10 is reached in the first bucket
    expect(histogramQuantile(0.5, uneven)).toBeCloseTo(0.1, 10);
  });

  test("no answer where Prometheus has NaN: no observations, no +Inf bucket, a single bucket, q out of range", () => {
    expect(histogramQuantile(0.5, histogram([[0.1, 0], [Infinity, 0]]))).toBeNull();
    expect(histogramQuantile(0.5, histogram([[0.1, 1], [1, 2]]))).toBeNull();
    expect(histogramQuantile(0.5, histogram([[Infinity, 3]]))).toBeNull();
    expect(histogramQuantile(1.5, h)).toBeNull();
    expect(histogramQuantile(-0.1, h)).toBeNull();
    expect(histogramQuantile(NaN, h)).toBeNull();
  });
});

describe("histogramIncrease", () => {
  const before = histogram([[0.1, 10], [1, 20], [Infinity, 20]], 4);
  const after = histogram([[0.1, 12], [1, 30], [Infinity, 31]], 14);

  test("subtracts bucket by bucket", () => {
    expect(histogramIncrease(before, after)).toEqual({
      buckets: [
        [0.1, 2],
        [1, 10],
        [Infinity, 11],
      ],
      sum: 10,
      count: 11,
    });
  });

  test("a counter reset (server restarted) makes the later histogram the whole window", () => {
    const restarted = histogram([[0.1, 1], [1, 3], [Infinity, 3]], 1.5);
    expect(histogramIncrease(before, restarted)).toEqual(restarted);
  });
});

describe("histogramFromSamples", () => {
  test("sums per bound across series that differ in other labels (two engines)", () => {
    const samples = parsePrometheusText(
      [
        'ttft_bucket{engine="0",le="0.1"} 99',
        'ttft_bucket{engine="0",le="2.5"} 100',
        'ttft_bucket{engine="0",le="+Inf"} 100',
        'ttft_bucket{engine="1",le="0.1"} 0',
        'ttft_bucket{engine="1",le="2.5"} 100',
        'ttft_bucket{engine="1",le="+Inf"} 100',
        'ttft_sum{engine="0"} 5',
        'ttft_sum{engine="1"} 150',
        'ttft_count{engine="0"} 100',
        'ttft_count{engine="1"} 100',
      ].join("\n"),
    );
    const h = histogramFromSamples(samples, "ttft");
    expect(h).toEqual({
      buckets: [
        [0.1, 99],
        [2.5, 200],
        [Infinity, 200],
      ],
      sum: 155,
      count: 200,
    });
    expect(histogramFromSamples(samples, "ttft", { engine: "1" })?.count).toBe(100);
    expect(histogramMean(h ?? histogram([]))).toBeCloseTo(0.775, 10);
  });

  test("absent histogram gives null; missing _count falls back to the +Inf bucket", () => {
    const samples = parsePrometheusText('x_bucket{le="1"} 2\nx_bucket{le="+Inf"} 3');
    expect(histogramFromSamples(samples, "y")).toBeNull();
    expect(histogramFromSamples(samples, "x")?.count).toBe(3);
  });
});
