import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { PrismaClient } from "@/lib/db/client";
import { migratedTestDatabase } from "@/lib/db/test-database";
import { GPU_SAMPLE_FIELDS } from "@/lib/telemetry/types";
import {
  applySampleRetention,
  type BackendSampleRow,
  type GpuHistoryBucket,
  type GpuSampleRow,
  insertBackendSamples,
  insertGpuSamples,
  listBackendHistory,
  listGpuHistory,
} from "@/lib/db/queries/samples";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 00:02:30, deliberately not on a 5-minute boundary. */
const BASE = Date.UTC(2026, 10, 1, 0, 2, 30);

const database = migratedTestDatabase("samples");
let prisma: PrismaClient;

beforeAll(() => {
  prisma = database.prisma;
});

beforeEach(async () => {
  await prisma.gpuSample.deleteMany();
  await prisma.backendSample.deleteMany();
});

// ---------------------------------------------------------------------------------------------------------
// A plain-JavaScript reference for the SQL bucketing.

const GPU_METRICS = GPU_SAMPLE_FIELDS;

function average(values: Array<number | null | undefined>): number | null {
  const known = values.filter((value): value is number => typeof value === "number");
  return known.length === 0 ? null : known.reduce((sum, value) => sum + value, 0) / known.length;
}

function peak(values: Array<number | null | undefined>): number | null {
  const known = values.filter((value): value is number => typeof value === "number");
  return known.length === 0 ? null : Math.max(...known);
}

function referenceGpuHistory(rows: GpuSampleRow[], from: number, to: number, bucketMs: number) {
  const byGpu = new Map<number, Map<number, GpuSampleRow[]>>();
  for (const row of rows) {
    const t = row.at.getTime();
    if (t < from || t >= to) continue;
    const start = Math.floor(t / bucketMs) * bucketMs;
    const buckets = byGpu.get(row.gpuIndex) ?? new Map<number, GpuSampleRow[]>();
    byGpu.set(row.gpuIndex, buckets);
    buckets.set(start, [...(buckets.get(start) ?? []), row]);
  }
  return [...byGpu.keys()].sort((a, b) => a - b).map((gpuIndex) => ({
    gpuIndex,
    buckets: [...(byGpu.get(gpuIndex) ?? new Map<number, GpuSampleRow[]>())]
      .sort(([a], [b]) => a - b)
      .map(([start, samples]) => ({
        start,
        samples: samples.length,
        ...Object.fromEntries(GPU_METRICS.map((metric) => [metric, average(samples.map((s) => s[metric]))])),
        peakUtilizationPct: peak(samples.map((s) => s.utilizationPct)),
        peakPowerDrawW: peak(samples.map((s) => s.powerDrawW)),
      })),
  }));
}

type ReferenceBucket = ReturnType<typeof referenceGpuHistory>[number]["buckets"][number];

/** Averages may differ in the last bits (summation order); unknown must stay null. */
function expectCloseOrNull(actual: number | null, want: number | null, label: string) {
  if (want === null) expect(actual, label).toBeNull();
  else expect(actual, label).toBeCloseTo(want, 6);
}

function expectBucketsToMatch(actual: GpuHistoryBucket[], expected: ReferenceBucket[]) {
  expect(actual.map((bucket) => bucket.start.getTime())).toEqual(expected.map((bucket) => bucket.start));
  expect(actual.map((bucket) => bucket.samples)).toEqual(expected.map((bucket) => bucket.samples));
  actual.forEach((bucket, i) => {
    const reference = expected[i] as Record<string, number | null>;
    expect(bucket.peakUtilizationPct).toBe(reference.peakUtilizationPct);
    expect(bucket.peakPowerDrawW).toBe(reference.peakPowerDrawW);
    for (const metric of GPU_METRICS) expectCloseOrNull(bucket[metric], reference[metric] ?? null, metric);
  });
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Three hours of 5-second samples for GPUs 0 and 1 (odd milliseconds included), nothing between 01:02:30 and
 * 01:37:30 (the lab was off), GPU 1 without a fan reading, an occasional missing utilization, and GPU 3 only in
 * the last twenty minutes.
 */
function threeHoursOfGpuSamples(): GpuSampleRow[] {
  const rows: GpuSampleRow[] = [];
  const gapFrom = BASE + HOUR;
  const gapTo = BASE + HOUR + 35 * MINUTE;
  for (let i = 0; i < (3 * HOUR) / (5 * SECOND); i++) {
    const t = BASE + i * 5 * SECOND + (i % 7) * 111;
    if (t >= gapFrom && t < gapTo) continue;
    const gpus = t >= BASE + 2 * HOUR + 40 * MINUTE ? [0, 1, 3] : [0, 1];
    for (const g of gpus) {
      rows.push({
        at: new Date(t),
        gpuIndex: g,
        utilizationPct: i % 97 === 0 ? null : (i * 37 + g * 11) % 101,
        memoryUsedMiB: 1000 + ((i * 53) % 20_000) + g,
        memoryTotalMiB: 24_576,
        temperatureC: 30 + (i % 50) + g,
        powerDrawW: 25 + ((i * 13 + g * 7) % 326) + 0.25,
        powerLimitW: 350,
        smClockMHz: 210 + (i % 9) * 200,
        fanPct: g === 1 ? null : 30 + (i % 60),
      });
    }
  }
  return rows;
}

describe("listGpuHistory", () => {
  let rows: GpuSampleRow[];

  beforeEach(async () => {
    rows = threeHoursOfGpuSamples();
    expect(rows.length).toBeGreaterThan(3000);
    const half = Math.floor(rows.length / 2);
    expect(await insertGpuSamples(rows.slice(0, half), prisma)).toBe(half);
    expect(await insertGpuSamples(rows.slice(half), prisma)).toBe(rows.length - half);
  });

  test("averages and peaks per GPU and 5-minute bucket, in time order, with empty buckets absent", async () => {
    const from = BASE + 7 * MINUTE; // 00:09:30: the first bucket (00:05-00:10) is only partly in the window
    const to = BASE + 2 * HOUR + 50 * MINUTE; // 02:52:30
    const bucketMs = 5 * MINUTE;
    const history = await listGpuHistory({ from: new Date(from), to: new Date(to), bucketMs }, prisma);
    const expected = referenceGpuHistory(rows, from, to, bucketMs);

    expect(history.map((gpu) => gpu.gpuIndex)).toEqual([0, 1, 3]);
    for (const [i, gpu] of history.entries()) expectBucketsToMatch(gpu.buckets, expected[i]?.buckets ?? []);

    const gpu0 = history[0]?.buckets ?? [];
    // Buckets sit on the epoch's 5-minute grid, so the first one starts before the window.
    expect(gpu0[0]?.start).toEqual(new Date(Date.UTC(2026, 10, 1, 0, 5, 0)));
    const starts = gpu0.map((bucket) => bucket.start.getTime());
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(new Set(starts).size).toBe(starts.length);
    // The gap: 01:02:30-01:37:30 leaves the buckets from 01:05 to 01:30 out instead of reporting zeros.
    const inGap = (start: number) => start >= Date.UTC(2026, 10, 1, 1, 5) && start <= Date.UTC(2026, 10, 1, 1, 30);
    expect(starts.filter(inGap)).toEqual([]);
    expect(starts).toContain(Date.UTC(2026, 10, 1, 1, 0));
    expect(starts).toContain(Date.UTC(2026, 10, 1, 1, 35));
    // A reading a GPU never reports stays unknown rather than becoming zero.
    expect(history[1]?.buckets.every((bucket) => bucket.fanPct === null)).toBe(true);
    // GPU 3 only exists in the last twenty minutes of the window (02:42:30 onwards).
    expect(history[2]?.buckets[0]?.start).toEqual(new Date(Date.UTC(2026, 10, 1, 2, 40)));
  });

  test("every sample in the window is counted exactly once, whatever the bucket size", async () => {
    const from = new Date(BASE + 13 * MINUTE + 2 * SECOND);
    const to = new Date(BASE + 2 * HOUR + 1 * SECOND);
    const inWindow = rows.filter((row) => row.at >= from && row.at < to);
    for (const bucketMs of [HOUR, 7 * MINUTE + 333, 20 * SECOND]) {
      const history = await listGpuHistory({ from, to, bucketMs }, prisma);
      for (const gpu of history) {
        const counted = gpu.buckets.reduce((sum, bucket) => sum + bucket.samples, 0);
        expect(counted, `GPU ${gpu.gpuIndex}, ${bucketMs} ms buckets`).toBe(
          inWindow.filter((row) => row.gpuIndex === gpu.gpuIndex).length,
        );
      }
      const expected = referenceGpuHistory(rows, from.getTime(), to.getTime(), bucketMs);
      expectBucketsToMatch(history[0]?.buckets ?? [], expected[0]?.buckets ?? []);
    }
  });

  test("an empty or reversed window has no buckets; a bucket width that is not a whole number is refused", async () => {
    const before = { from: new Date(BASE - DAY), to: new Date(BASE - HOUR), bucketMs: MINUTE };
    expect(await listGpuHistory(before, prisma)).toEqual([]);
    const reversed = { from: new Date(BASE + HOUR), to: new Date(BASE), bucketMs: MINUTE };
    expect(await listGpuHistory(reversed, prisma)).toEqual([]);
    const window = { from: new Date(BASE), to: new Date(BASE + HOUR) };
    await expect(listGpuHistory({ ...window, bucketMs: 0 }, prisma)).rejects.toBeInstanceOf(RangeError);
    await expect(listGpuHistory({ ...window, bucketMs: 1.5 }, prisma)).rejects.toBeInstanceOf(RangeError);
  });
});

describe("listBackendHistory", () => {
  const T0 = Date.UTC(2026, 10, 1, 1, 0, 0);

  /** Four seconds of samples every 100 ms, for two backends. */
  function backendRows(): BackendSampleRow[] {
    return Array.from({ length: 40 }, (_, k) => [
      {
        at: new Date(T0 + k * 100),
        backendId: "qwen-7b",
        running: k % 5,
        waiting: k % 3,
        kvCacheUsage: k / 40,
        promptTokensPerSecond: 1000 + k,
        generationTokensPerSecond: 50 + k,
        ttftP50Ms: k < 10 ? null : 100 + k,
        ttftP95Ms: 300 + k,
        inFlight: k % 4,
      },
      { at: new Date(T0 + k * 100), backendId: "qwen-14b", running: 100, waiting: 100, inFlight: null },
    ]).flat();
  }

  const BACKEND_METRICS = [
    "running",
    "waiting",
    "kvCacheUsage",
    "promptTokensPerSecond",
    "generationTokensPerSecond",
    "ttftP50Ms",
    "ttftP95Ms",
    "inFlight",
  ] as const;

  test("buckets one backend's samples at sub-second resolution", async () => {
    const rows = backendRows();
    await insertBackendSamples(rows, prisma);
    const buckets = await listBackendHistory(
      { backendId: "qwen-7b", from: new Date(T0), to: new Date(T0 + 4 * SECOND), bucketMs: 500 },
      prisma,
    );
    // Eight half-second buckets of five samples each: the milliseconds of the stored timestamps count.
    expect(buckets.map((bucket) => [bucket.start.getTime() - T0, bucket.samples])).toEqual(
      Array.from({ length: 8 }, (_, b) => [b * 500, 5]),
    );
    buckets.forEach((bucket, b) => {
      const mine = rows.filter((row) => row.backendId === "qwen-7b").slice(b * 5, b * 5 + 5);
      for (const metric of BACKEND_METRICS) {
        expectCloseOrNull(bucket[metric], average(mine.map((row) => row[metric])), metric);
      }
      expect(bucket.peakRunning).toBe(peak(mine.map((row) => row.running)));
      expect(bucket.peakWaiting).toBe(peak(mine.map((row) => row.waiting)));
      expect(bucket.peakKvCacheUsage).toBe(peak(mine.map((row) => row.kvCacheUsage)));
    });
    // No TTFT observed in the first second (a fresh backend): unknown, not zero.
    expect(buckets.slice(0, 2).map((bucket) => bucket.ttftP50Ms)).toEqual([null, null]);
    expect(buckets[2]?.ttftP50Ms).toBeCloseTo(112, 9);

    const other = await listBackendHistory(
      { backendId: "qwen-14b", from: new Date(T0), to: new Date(T0 + 4 * SECOND), bucketMs: 4 * SECOND },
      prisma,
    );
    expect(other).toEqual([expect.objectContaining({ samples: 40, running: 100, peakRunning: 100, inFlight: null })]);
    const unknownBackend = { backendId: "qwen-32b", from: new Date(T0), to: new Date(T0 + HOUR), bucketMs: MINUTE };
    expect(await listBackendHistory(unknownBackend, prisma)).toEqual([]);
  });
});

describe("insertGpuSamples and insertBackendSamples", () => {
  test("store a reading that is not a finite number as unknown, and round inFlight to a whole number", async () => {
    const at = new Date(BASE);
    await insertGpuSamples(
      [{ at, gpuIndex: 0, utilizationPct: Number.NaN, powerDrawW: Number.POSITIVE_INFINITY, memoryUsedMiB: 512 }],
      prisma,
    );
    await insertBackendSamples([{ at, backendId: "qwen-7b", kvCacheUsage: Number.NaN, inFlight: 2.6 }], prisma);
    expect(await prisma.gpuSample.findFirst()).toMatchObject({
      at,
      utilizationPct: null,
      powerDrawW: null,
      memoryUsedMiB: 512,
      fanPct: null,
    });
    const backendRow = await prisma.backendSample.findFirst();
    expect(backendRow).toMatchObject({ at, kvCacheUsage: null, inFlight: 3, running: null });
  });

  test("a batch is all or nothing, even when it takes several statements", async () => {
    const batch: GpuSampleRow[] = Array.from({ length: 1_200 }, (_, i) => ({
      at: new Date(BASE + i * SECOND),
      gpuIndex: 0,
      utilizationPct: 10,
    }));
    // A database-side failure in the last statement of the batch (rows 1000-1199).
    await prisma.$executeRawUnsafe(
      `CREATE TRIGGER "refuse_gpu_9" BEFORE INSERT ON "GpuSample" WHEN NEW."gpuIndex" = 9
       BEGIN SELECT RAISE(ABORT, 'refused'); END`,
    );
    try {
      const refused = insertGpuSamples([...batch, { at: new Date(BASE), gpuIndex: 9 }], prisma);
      await expect(refused).rejects.toThrow(/refused/);
      expect(await prisma.gpuSample.count()).toBe(0);
    } finally {
      await prisma.$executeRawUnsafe(`DROP TRIGGER "refuse_gpu_9"`);
    }
    // Rejected before anything is written.
    const invalidDate = { at: new Date(Number.NaN), gpuIndex: 0 };
    await expect(insertGpuSamples([...batch, invalidDate], prisma)).rejects.toThrow(RangeError);
    await expect(insertGpuSamples([{ at: new Date(BASE), gpuIndex: 0.5 }], prisma)).rejects.toThrow(RangeError);
    expect(await prisma.gpuSample.count()).toBe(0);
    expect(await insertGpuSamples([], prisma)).toBe(0);
    expect(await insertGpuSamples(batch, prisma)).toBe(1_200);
  });
});

describe("applySampleRetention", () => {
  test("deletes GPU and backend samples older than maxAgeDays, many chunks' worth, and keeps the rest", async () => {
    const now = new Date(BASE + 10 * DAY);
    const old = Array.from({ length: 12_000 }, (_, i) => ({
      at: new Date(now.getTime() - 3 * DAY - i * 10 * SECOND),
      gpuIndex: i % 2,
      utilizationPct: 50,
    }));
    const recent = Array.from({ length: 10 }, (_, i) => ({ at: new Date(now.getTime() - i * HOUR), gpuIndex: 0 }));
    await insertGpuSamples([...old, ...recent], prisma);
    const everyTwoHours = Array.from({ length: 48 }, (_, i) => ({
      at: new Date(now.getTime() - i * 2 * HOUR),
      backendId: "qwen-7b",
      running: 1,
    }));
    await insertBackendSamples(everyTwoHours, prisma);

    // 2.5 days: backend samples every 2 hours, 0 h .. 94 h old; those older than 60 h (62 h .. 94 h) go.
    const deleted = await applySampleRetention({ maxAgeDays: 2.5, now }, prisma);
    expect(deleted).toEqual({ gpuSamples: 12_000, backendSamples: 17 });
    expect(await prisma.gpuSample.count()).toBe(10);
    expect(await prisma.backendSample.count()).toBe(31);
    expect(await applySampleRetention({ maxAgeDays: 2.5, now }, prisma)).toEqual({ gpuSamples: 0, backendSamples: 0 });
  });
});
