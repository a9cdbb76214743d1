import { describe, expect, test } from "vitest";
import { bucketAverage, displayBucketMs, insertGaps, prepareSeries, timeTicks, type SeriesRow } from "./prepare-series";

type Row = SeriesRow<"v">;
const rows = (...pairs: [number, number | null][]): Row[] => pairs.map(([t, v]) => ({ t, v }));

describe("bucketAverage", () => {
  test("averages the points of each aligned bucket, in time order", () => {
    expect(bucketAverage(rows([2_500, 30], [1_000, 10], [1_900, 20], [4_100, 7]), ["v"], 2_000)).toEqual(rows([0, 15], [2_000, 30], [4_000, 7]));
  });

  test("a null reading does not drag the average to zero; an all-null bucket stays null", () => {
    expect(bucketAverage(rows([0, 40], [500, null], [1_000, null]), ["v"], 1_000)).toEqual(rows([0, 40], [1_000, null]));
  });
});

describe("insertGaps", () => {
  test("breaks the line where buckets are missing", () => {
    const withGap = insertGaps(rows([0, 1], [1_000, 2], [5_000, 3], [6_000, 4]), ["v"], 1_000);
    expect(withGap).toEqual(rows([0, 1], [1_000, 2], [2_000, null], [5_000, 3], [6_000, 4]));
  });

  test("small jitter in sampling is not a gap", () => {
    expect(insertGaps(rows([0, 1], [1_300, 2], [2_400, 3]), ["v"], 1_000)).toHaveLength(3);
  });
});

describe("display resolution", () => {
  test("never finer than the source, at most ~300 points across the range", () => {
    expect(displayBucketMs(15 * 60_000, 1_000)).toBe(5_000);
    expect(displayBucketMs(60 * 60_000, 30_000)).toBe(30_000);
    expect(displayBucketMs(7 * 24 * 3_600_000, 3_600_000)).toBe(3_600_000);
    expect(displayBucketMs(60_000, 1_000)).toBe(1_000);
  });

  test("prepareSeries keeps the whole range as the x domain and drops points outside it", () => {
    const now = 1_000_000;
    const prepared = prepareSeries(rows([now - 120_000, 1], [now - 30_000, 2], [now - 29_000, 4]), ["v"], { spanMs: 60_000, sourceBucketMs: 1_000, now });
    expect(prepared.domain).toEqual([now - 60_000, now]);
    expect(prepared.rows).toEqual(rows([now - 30_000, 2], [now - 29_000, 4]));
  });

  test("a telemetry outage inside the range shows as a gap after bucketing", () => {
    const now = 3_600_000;
    const points = [...Array.from({ length: 10 }, (_, i): Row => ({ t: i * 30_000, v: 50 })), ...Array.from({ length: 10 }, (_, i): Row => ({ t: 1_800_000 + i * 30_000, v: 60 }))];
    const prepared = prepareSeries(points, ["v"], { spanMs: 3_600_000, sourceBucketMs: 30_000, now });
    const gaps = prepared.rows.filter((r) => r.v === null);
    expect(gaps).toEqual([{ t: 300_000, v: null }]);
  });
});

describe("timeTicks", () => {
  test("round ticks inside the domain, not too many", () => {
    const from = Date.parse("2026-11-27T10:03:20Z");
    const ticks = timeTicks([from, from + 15 * 60_000]);
    expect(ticks.length).toBeGreaterThan(1);
    expect(ticks.length).toBeLessThanOrEqual(6);
    expect(ticks.every((t) => t >= from && t <= from + 15 * 60_000)).toBe(true);
    expect(ticks.every((t) => t % 60_000 === 0)).toBe(true);
  });
});
