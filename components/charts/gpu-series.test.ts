import { describe, expect, test } from "vitest";
import type { GpuHistoryPoint, GpuSample } from "@/components/hooks/api-types";
import { prepareEngineHistory, prepareGpuHistory, prepareSparkline, typicalIntervalMs, withRecentHistory } from "./gpu-series";

const point = (t: number, over: Partial<GpuHistoryPoint> = {}): GpuHistoryPoint => ({
  t,
  utilizationPct: 50,
  memoryUsedMiB: 21_504,
  memoryTotalMiB: 24_576,
  temperatureC: 60,
  powerDrawW: 200,
  powerLimitW: 350,
  ...over,
});

describe("GPU history", () => {
  test("memory is charted in GiB and buckets average", () => {
    const now = 60 * 60_000;
    const prepared = prepareGpuHistory([point(now - 60_000), point(now - 59_000, { utilizationPct: 70 })], { spanMs: 15 * 60_000, sourceBucketMs: 1_000, now });
    expect(prepared.rows).toHaveLength(1);
    expect(prepared.rows[0]).toMatchObject({ memoryUsedGiB: 21, memoryTotalGiB: 24, utilizationPct: 60, powerLimitW: 350 });
  });

  test("a field the GPU does not report stays a gap, not a zero", () => {
    const now = 60 * 60_000;
    const prepared = prepareGpuHistory([point(now - 60_000, { powerDrawW: null })], { spanMs: 15 * 60_000, sourceBucketMs: 1_000, now });
    expect(prepared.rows[0]?.powerDrawW).toBeNull();
  });
});

describe("engine history", () => {
  test("KV-cache usage becomes a percentage; missing scrapes become gaps", () => {
    const now = 10 * 60_000;
    const base = { running: 1, waiting: 0, generationTokensPerSecond: 40, ttftP50Ms: 30, ttftP95Ms: 45 };
    const prepared = prepareEngineHistory(
      [
        { t: now - 100_000, kvCacheUsage: 0.25, ...base },
        { t: now - 20_000, kvCacheUsage: 0.5, ...base },
      ],
      { spanMs: 15 * 60_000, sourceBucketMs: 1_000, now },
    );
    expect(prepared.rows.map((r) => r.kvCachePct)).toEqual([25, null, 50]);
  });
});

describe("sparkline", () => {
  const sample = (at: number, utilizationPct: number | null): GpuSample => ({ ...point(at), index: 0, at, utilizationPct, smClockMHz: null, fanPct: null });

  test("only the window, broken where live ticks were missed", () => {
    const now = 100_000;
    const samples = [sample(10_000, 5), sample(90_000, 10), sample(91_000, 20), sample(92_000, 30), sample(96_000, 40), sample(97_000, 50)];
    const { rows, domain } = prepareSparkline(samples, "utilizationPct", { now, windowMs: 30_000 });
    expect(domain).toEqual([70_000, 100_000]);
    expect(rows.map((r) => r.value)).toEqual([10, 20, 30, null, 40, 50]);
  });

  test("the tick is read from the data, so a 2 s collector has no false gaps", () => {
    expect(typicalIntervalMs([0, 2_000, 4_000, 6_100, 8_000])).toBe(2_000);
    expect(typicalIntervalMs([5])).toBe(1_000);
  });
});

test("the sparkline starts with recent history and continues with live samples, without overlap", () => {
  const live: GpuSample[] = [5_000, 6_000].map((at) => ({ ...point(at), index: 0, at, smClockMHz: null, fanPct: null }));
  const merged = withRecentHistory([point(3_000), point(4_000), point(5_000), point(6_000)], live);
  expect(merged.map((s) => s.at)).toEqual([3_000, 4_000, 5_000, 6_000]);
  expect(merged[2]).toBe(live[0]);
});
