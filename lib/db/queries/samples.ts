import type { PrismaClient } from "@/lib/db/client";
import { Prisma } from "@/lib/db/generated/prisma/client";
import { deleteOlderThan, retentionCutoff } from "@/lib/db/queries/delete-older-than";
import { toDbTimestamp } from "@/lib/db/timestamps";

// Downsampled telemetry history (the telemetry service persists one averaged row per GPU / backend every few
// seconds) and the bucketed series the console's history charts are drawn from. Bucketing happens in SQL so
// a chart of a week never ships every row to the server.

export type GpuSampleRow = {
  at: Date;
  gpuIndex: number;
  utilizationPct?: number | null;
  memoryUsedMiB?: number | null;
  memoryTotalMiB?: number | null;
  temperatureC?: number | null;
  powerDrawW?: number | null;
  powerLimitW?: number | null;
  smClockMHz?: number | null;
  fanPct?: number | null;
};

export type BackendSampleRow = {
  at: Date;
  backendId: string;
  running?: number | null;
  waiting?: number | null;
  kvCacheUsage?: number | null;
  promptTokensPerSecond?: number | null;
  generationTokensPerSecond?: number | null;
  ttftP50Ms?: number | null;
  ttftP95Ms?: number | null;
  inFlight?: number | null;
};

// A reading that is not a finite number (an average over no samples, an exporter's NaN) is unknown: a gap in
// the chart, never a zero, and never a reason to lose the other readings of the row.
const reading = (value: number | null | undefined): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;

const integerReading = (value: number | null | undefined): number | null => {
  const finite = reading(value);
  return finite === null ? null : Math.round(finite);
};

function wholeNumber(value: number, name: string): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a whole number, got ${value}`);
  return value;
}

type SqlValue = string | number | null;

// Telemetry arrives in batches of thousands when a backlog is flushed; Prisma's createMany costs about half a
// millisecond per row here, a multi-row INSERT some tens of microseconds. 500 rows x 10 columns stays far below
// SQLite's limit of 32766 bound parameters per statement.
const ROWS_PER_STATEMENT = 500;

async function insertInOneTransaction<Column extends string>(
  prisma: PrismaClient,
  table: "GpuSample" | "BackendSample",
  columns: readonly Column[],
  rows: ReadonlyArray<Record<Column, SqlValue>>,
): Promise<number> {
  if (rows.length === 0) return 0;
  const columnList = columns.map((column) => `"${column}"`).join(", ");
  const rowPlaceholders = `(${columns.map(() => "?").join(", ")})`;
  const statements = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const sql = `INSERT INTO "${table}" (${columnList}) VALUES ${chunk.map(() => rowPlaceholders).join(", ")}`;
    statements.push(prisma.$executeRawUnsafe(sql, ...chunk.flatMap((row) => columns.map((column) => row[column]))));
  }
  const counts = await prisma.$transaction(statements);
  return counts.reduce((sum, count) => sum + count, 0);
}

const GPU_SAMPLE_COLUMNS = [
  "at",
  "gpuIndex",
  "utilizationPct",
  "memoryUsedMiB",
  "memoryTotalMiB",
  "temperatureC",
  "powerDrawW",
  "powerLimitW",
  "smClockMHz",
  "fanPct",
] as const;

const BACKEND_SAMPLE_COLUMNS = [
  "at",
  "backendId",
  "running",
  "waiting",
  "kvCacheUsage",
  "promptTokensPerSecond",
  "generationTokensPerSecond",
  "ttftP50Ms",
  "ttftP95Ms",
  "inFlight",
] as const;

/** Inserts GPU samples in one transaction (all or nothing); returns how many were written. */
export async function insertGpuSamples(
  rows: readonly GpuSampleRow[],
  prisma: PrismaClient,
): Promise<number> {
  // Converted before anything is written, so an invalid row (toDbTimestamp throws on an invalid Date) writes nothing.
  const values = rows.map((row) => ({
    at: toDbTimestamp(row.at),
    gpuIndex: wholeNumber(row.gpuIndex, "gpuIndex"),
    utilizationPct: reading(row.utilizationPct),
    memoryUsedMiB: reading(row.memoryUsedMiB),
    memoryTotalMiB: reading(row.memoryTotalMiB),
    temperatureC: reading(row.temperatureC),
    powerDrawW: reading(row.powerDrawW),
    powerLimitW: reading(row.powerLimitW),
    smClockMHz: reading(row.smClockMHz),
    fanPct: reading(row.fanPct),
  }));
  return insertInOneTransaction(prisma, "GpuSample", GPU_SAMPLE_COLUMNS, values);
}

/** Inserts backend samples in one transaction (all or nothing); returns how many were written. */
export async function insertBackendSamples(
  rows: readonly BackendSampleRow[],
  prisma: PrismaClient,
): Promise<number> {
  const values = rows.map((row) => ({
    at: toDbTimestamp(row.at),
    backendId: row.backendId,
    running: reading(row.running),
    waiting: reading(row.waiting),
    kvCacheUsage: reading(row.kvCacheUsage),
    promptTokensPerSecond: reading(row.promptTokensPerSecond),
    generationTokensPerSecond: reading(row.generationTokensPerSecond),
    ttftP50Ms: reading(row.ttftP50Ms),
    ttftP95Ms: reading(row.ttftP95Ms),
    inFlight: integerReading(row.inFlight),
  }));
  return insertInOneTransaction(prisma, "BackendSample", BACKEND_SAMPLE_COLUMNS, values);
}

export type HistoryWindow = {
  /** Samples at or after this instant. */
  from: Date;
  /** Samples strictly before this instant (half-open, so consecutive windows never count a sample twice). */
  to: Date;
  /**
   * Bucket width. Buckets are aligned to the unix epoch (multiples of bucketMs), not to `from`, so the same
   * bucket has the same value in every query; the first and last buckets may cover only part of the window.
   */
  bucketMs: number;
};

type BucketBase = {
  /** Start of the bucket (inclusive); it ends at start + bucketMs. */
  start: Date;
  /** Samples averaged into this bucket (always >= 1: empty buckets are left out). */
  samples: number;
};

/** Averages over the bucket (null when no sample in it had that reading), plus the peaks charts need. */
export type GpuHistoryBucket = BucketBase & {
  utilizationPct: number | null;
  peakUtilizationPct: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  temperatureC: number | null;
  powerDrawW: number | null;
  peakPowerDrawW: number | null;
  powerLimitW: number | null;
  smClockMHz: number | null;
  fanPct: number | null;
};

export type GpuHistory = { gpuIndex: number; buckets: GpuHistoryBucket[] };

export type BackendHistoryBucket = BucketBase & {
  running: number | null;
  peakRunning: number | null;
  waiting: number | null;
  peakWaiting: number | null;
  kvCacheUsage: number | null;
  peakKvCacheUsage: number | null;
  promptTokensPerSecond: number | null;
  generationTokensPerSecond: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  inFlight: number | null;
};

/** Integer milliseconds since the epoch, from the stored ISO text ("…T12:00:00.123+00:00"). */
const EPOCH_MS = Prisma.sql`CAST(round(unixepoch("at", 'subsec') * 1000) AS INTEGER)`;

function checkWindow(window: HistoryWindow): { from: string; to: string; bucketMs: number } | null {
  const { bucketMs } = window;
  if (!Number.isSafeInteger(bucketMs) || bucketMs < 1) {
    throw new RangeError(`bucketMs must be a positive whole number of milliseconds, got ${bucketMs}`);
  }
  if (Number.isNaN(window.from.getTime()) || Number.isNaN(window.to.getTime())) {
    throw new RangeError("from and to must be valid dates");
  }
  if (window.from.getTime() >= window.to.getTime()) return null;
  return { from: toDbTimestamp(window.from), to: toDbTimestamp(window.to), bucketMs };
}

// SQLite may hand back INTEGER results as bigint through the adapter; every number leaves here as a number.
const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

type GpuBucketSqlRow = {
  gpuIndex: unknown;
  bucket: unknown;
  samples: unknown;
  utilizationPct: unknown;
  peakUtilizationPct: unknown;
  memoryUsedMiB: unknown;
  memoryTotalMiB: unknown;
  temperatureC: unknown;
  powerDrawW: unknown;
  peakPowerDrawW: unknown;
  powerLimitW: unknown;
  smClockMHz: unknown;
  fanPct: unknown;
};

/** Per GPU (by index), the window's time buckets in time order; buckets without samples are absent. */
export async function listGpuHistory(window: HistoryWindow, prisma: PrismaClient): Promise<GpuHistory[]> {
  const checked = checkWindow(window);
  if (!checked) return [];
  // Integer division of two INTEGERs truncates, which is floor for post-1970 instants.
  const rows = await prisma.$queryRaw<GpuBucketSqlRow[]>`
    SELECT
      "gpuIndex" AS "gpuIndex",
      ${EPOCH_MS} / CAST(${checked.bucketMs} AS INTEGER) AS "bucket",
      COUNT(*) AS "samples",
      AVG("utilizationPct") AS "utilizationPct",
      MAX("utilizationPct") AS "peakUtilizationPct",
      AVG("memoryUsedMiB") AS "memoryUsedMiB",
      AVG("memoryTotalMiB") AS "memoryTotalMiB",
      AVG("temperatureC") AS "temperatureC",
      AVG("powerDrawW") AS "powerDrawW",
      MAX("powerDrawW") AS "peakPowerDrawW",
      AVG("powerLimitW") AS "powerLimitW",
      AVG("smClockMHz") AS "smClockMHz",
      AVG("fanPct") AS "fanPct"
    FROM "GpuSample"
    WHERE "at" >= ${checked.from} AND "at" < ${checked.to}
    GROUP BY "gpuIndex", "bucket"
    ORDER BY "gpuIndex", "bucket"`;

  const byGpu = new Map<number, GpuHistoryBucket[]>();
  for (const row of rows) {
    const gpuIndex = num(row.gpuIndex);
    let buckets = byGpu.get(gpuIndex);
    if (!buckets) byGpu.set(gpuIndex, (buckets = []));
    buckets.push({
      start: new Date(num(row.bucket) * checked.bucketMs),
      samples: num(row.samples),
      utilizationPct: numOrNull(row.utilizationPct),
      peakUtilizationPct: numOrNull(row.peakUtilizationPct),
      memoryUsedMiB: numOrNull(row.memoryUsedMiB),
      memoryTotalMiB: numOrNull(row.memoryTotalMiB),
      temperatureC: numOrNull(row.temperatureC),
      powerDrawW: numOrNull(row.powerDrawW),
      peakPowerDrawW: numOrNull(row.peakPowerDrawW),
      powerLimitW: numOrNull(row.powerLimitW),
      smClockMHz: numOrNull(row.smClockMHz),
      fanPct: numOrNull(row.fanPct),
    });
  }
  return [...byGpu].map(([gpuIndex, buckets]) => ({ gpuIndex, buckets }));
}

type BackendBucketSqlRow = {
  bucket: unknown;
  samples: unknown;
  running: unknown;
  peakRunning: unknown;
  waiting: unknown;
  peakWaiting: unknown;
  kvCacheUsage: unknown;
  peakKvCacheUsage: unknown;
  promptTokensPerSecond: unknown;
  generationTokensPerSecond: unknown;
  ttftP50Ms: unknown;
  ttftP95Ms: unknown;
  inFlight: unknown;
};

/** One backend's time buckets over the window, in time order; buckets without samples are absent. */
export async function listBackendHistory(
  params: HistoryWindow & { backendId: string },
  prisma: PrismaClient,
): Promise<BackendHistoryBucket[]> {
  const checked = checkWindow(params);
  if (!checked) return [];
  const rows = await prisma.$queryRaw<BackendBucketSqlRow[]>`
    SELECT
      ${EPOCH_MS} / CAST(${checked.bucketMs} AS INTEGER) AS "bucket",
      COUNT(*) AS "samples",
      AVG("running") AS "running",
      MAX("running") AS "peakRunning",
      AVG("waiting") AS "waiting",
      MAX("waiting") AS "peakWaiting",
      AVG("kvCacheUsage") AS "kvCacheUsage",
      MAX("kvCacheUsage") AS "peakKvCacheUsage",
      AVG("promptTokensPerSecond") AS "promptTokensPerSecond",
      AVG("generationTokensPerSecond") AS "generationTokensPerSecond",
      AVG("ttftP50Ms") AS "ttftP50Ms",
      AVG("ttftP95Ms") AS "ttftP95Ms",
      AVG("inFlight") AS "inFlight"
    FROM "BackendSample"
    WHERE "backendId" = ${params.backendId} AND "at" >= ${checked.from} AND "at" < ${checked.to}
    GROUP BY "bucket"
    ORDER BY "bucket"`;
  return rows.map((row) => ({
    start: new Date(num(row.bucket) * checked.bucketMs),
    samples: num(row.samples),
    running: numOrNull(row.running),
    peakRunning: numOrNull(row.peakRunning),
    waiting: numOrNull(row.waiting),
    peakWaiting: numOrNull(row.peakWaiting),
    kvCacheUsage: numOrNull(row.kvCacheUsage),
    peakKvCacheUsage: numOrNull(row.peakKvCacheUsage),
    promptTokensPerSecond: numOrNull(row.promptTokensPerSecond),
    generationTokensPerSecond: numOrNull(row.generationTokensPerSecond),
    ttftP50Ms: numOrNull(row.ttftP50Ms),
    ttftP95Ms: numOrNull(row.ttftP95Ms),
    inFlight: numOrNull(row.inFlight),
  }));
}

export type SampleRetention = {
  /** Samples older than this are deleted (GPU and backend alike). */
  maxAgeDays: number;
  /** Defaults to the current time; tests pin it. */
  now?: Date;
};

/** Deletes GPU and backend samples older than the age limit; returns how many of each were deleted. */
export async function applySampleRetention(
  retention: SampleRetention,
  prisma: PrismaClient,
): Promise<{ gpuSamples: number; backendSamples: number }> {
  const cutoff = retentionCutoff(retention.maxAgeDays, retention.now);
  const gpuSamples = await deleteOlderThan(prisma, "GpuSample", cutoff);
  const backendSamples = await deleteOlderThan(prisma, "BackendSample", cutoff);
  return { gpuSamples, backendSamples };
}
