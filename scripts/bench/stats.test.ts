import { describe, expect, test } from "vitest";
import { median, medianRatio, percentile, summarize } from "./stats";

describe("percentile", () => {
  test("is nearest-rank: p99 of 100 samples is the 99th, not an interpolation", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
  });

  test("is NaN for no samples instead of pretending zero latency", () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

test("summarize sorts unsorted samples before taking percentiles", () => {
  const summary = summarize([5, 1, 4, 2, 3]);
  expect(summary).toMatchObject({ count: 5, p50: 3, p99: 5, mean: 3 });
});

test("median of an even count is the mean of the middle two", () => {
  expect(median([4, 1, 3, 2])).toBe(2.5);
});

describe("medianRatio", () => {
  test("one round spoiled by a neighbour does not move the result", () => {
    const gateway = [90, 45, 30, 88];
    const noop = [100, 50, 1, 100]; // round 3: the no-op window hit a burst of someone else's work
    expect(medianRatio(gateway, noop)).toBeCloseTo(0.9, 6); // pooled sums would say 1.01
  });

  test("skips rounds whose denominator is zero", () => {
    expect(medianRatio([10, 20], [0, 40])).toBe(0.5);
  });
});
