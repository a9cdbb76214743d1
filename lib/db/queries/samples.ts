import type { PrismaClient } from "@/lib/db/client";
import { Prisma } from "@/lib/db/generated/prisma/client";
import { deleteOlderThan, retentionCutoff } from "@/lib/db/queries/delete-older-than";
import { toDbTimestamp } from "@/lib/db/timestamps";
import {
  BACKEND_SAMPLE_FIELDS,
  GPU_SAMPLE_FIELDS,
  mapFields,
  type BackendReadings,
  type BackendSampleField,
  type GpuReadings,
  type GpuSampleField,
} from "@/lib/telemetry/types";

// Downsampled telemetry history (the telemetry service persists one averaged row per GPU / backend every few
// seconds) and the bucketed series the console's history charts are drawn from. Bucketing happens in SQL so
// a chart of a week never ships every row to the server.

/** A reading left out is unknown (stored as null). */
export type GpuSampleRow = { at: Date; gpuIndex: number } & Partial<GpuReadings>;

export type BackendSampleRow = { at: Date; backendId: string } & Partial<BackendReadings>;

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

const GPU_SAMPLE_COLUMNS = ["at", "gpuIndex", ...GPU_SAMPLE_FIELDS] as const;
const BACKEND_SAMPLE_COLUMNS = ["at", "backendId", ...BACKEND_SAMPLE_FIELDS] as const;

/** Inserts GPU samples in one transaction (all or nothing); returns how many were written. */
export async function insertGpuSamples(
  rows: readonly GpuSampleRow[],
  prisma: PrismaClient,
): Promise<number> {
  // Converted before anything is written, so an invalid row (toDbTimestamp throws on an invalid Date) writes nothing.
  const values = rows.map((row) => ({
    at: toDbTimestamp(row.at),
    gpuIndex: wholeNumber(row.gpuIndex, "gpuIndex"),
    ...mapFields(GPU_SAMPLE_FIELDS, (field) => reading(row[field])),
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
    // inFlight is an INTEGER column: a count of requests.
    ...mapFields(BACKEND_SAMPLE_FIELDS, (field) => (field === "inFlight" ? integerReading(row[field]) : reading(row[field]))),
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

// The peaks charts need besides the averages: the peak's name -> the reading it is the maximum of.
const GPU_PEAKS = { peakUtilizationPct: "utilizationPct", peakPowerDrawW: "powerDrawW" } as const satisfies Record<string, GpuSampleField>;
const BACKEND_PEAKS = {
  peakRunning: "running",
  peakWaiting: "waiting",
  peakKvCacheUsage: "kvCacheUsage",
} as const satisfies Record<string, BackendSampleField>;

type Peaks<Table> = { [K in keyof Table]: number | null };

/** Averages over the bucket (null when no sample in it had that reading), plus the peaks charts need. */
export type GpuHistoryBucket = BucketBase & GpuReadings & Peaks<typeof GPU_PEAKS>;

export type GpuHistory = { gpuIndex: number; buckets: GpuHistoryBucket[] };

export type BackendHistoryBucket = BucketBase & BackendReadings & Peaks<typeof BACKEND_PEAKS>;

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

/** `AVG` of every reading and `MAX` of the peaked ones, each aliased to its bucket field. */
function aggregates(fields: readonly string[], peaks: Record<string, string>): Prisma.Sql {
  const columns = [
    ...fields.map((field) => `AVG("${field}") AS "${field}"`),
    ...Object.entries(peaks).map(([peak, field]) => `MAX("${field}") AS "${peak}"`),
  ];
  return Prisma.raw(columns.join(",\n      ")); // field names from the constant lists above, never from input
}

type SqlRow<Field extends string> = Record<"bucket" | "samples" | Field, unknown>;

/** A bucket from its SQL row: the start, the sample count, every average and peak. */
function toBucket<Field extends string>(
  row: SqlRow<Field>,
  bucketMs: number,
  fields: readonly Field[],
): BucketBase & Record<Field, number | null> {
  return { start: new Date(num(row.bucket) * bucketMs), samples: num(row.samples), ...mapFields(fields, (field) => numOrNull(row[field])) };
}

const GPU_BUCKET_FIELDS = [...GPU_SAMPLE_FIELDS, ...(Object.keys(GPU_PEAKS) as (keyof typeof GPU_PEAKS)[])];
const BACKEND_BUCKET_FIELDS = [...BACKEND_SAMPLE_FIELDS, ...(Object.keys(BACKEND_PEAKS) as (keyof typeof BACKEND_PEAKS)[])];

/** Per GPU (by index), the window's time buckets in time order; buckets without samples are absent. */
export async function listGpuHistory(window: HistoryWindow, prisma: PrismaClient): Promise<GpuHistory[]> {
  const checked = checkWindow(window);
  if (!checked) return [];
  // Integer division of two INTEGERs truncates, which is floor for post-1970 instants.
  const rows = await prisma.$queryRaw<(SqlRow<(typeof GPU_BUCKET_FIELDS)[number]> & { gpuIndex: unknown })[]>`
    SELECT
      "gpuIndex" AS "gpuIndex",
      ${EPOCH_MS} / CAST(${checked.bucketMs} AS INTEGER) AS "bucket",
      COUNT(*) AS "samples",
      ${aggregates(GPU_SAMPLE_FIELDS, GPU_PEAKS)}
    FROM "GpuSample"
    WHERE "at" >= ${checked.from} AND "at" < ${checked.to}
    GROUP BY "gpuIndex", "bucket"
    ORDER BY "gpuIndex", "bucket"`;

  const byGpu = new Map<number, GpuHistoryBucket[]>();
  for (const row of rows) {
    const gpuIndex = num(row.gpuIndex);
    let buckets = byGpu.get(gpuIndex);
    if (!buckets) byGpu.set(gpuIndex, (buckets = []));
    buckets.push(toBucket(row, checked.bucketMs, GPU_BUCKET_FIELDS));
  }
  return [...byGpu].map(([gpuIndex, buckets]) => ({ gpuIndex, buckets }));
}

/** One backend's time buckets over the window, in time order; buckets without samples are absent. */
export async function listBackendHistory(
  params: HistoryWindow & { backendId: string },
  prisma: PrismaClient,
): Promise<BackendHistoryBucket[]> {
  const checked = checkWindow(params);
  if (!checked) return [];
  const rows = await prisma.$queryRaw<SqlRow<(typeof BACKEND_BUCKET_FIELDS)[number]>[]>`
    SELECT
      ${EPOCH_MS} / CAST(${checked.bucketMs} AS INTEGER) AS "bucket",
      COUNT(*) AS "samples",
      ${aggregates(BACKEND_SAMPLE_FIELDS, BACKEND_PEAKS)}
    FROM "BackendSample"
    WHERE "backendId" = ${params.backendId} AND "at" >= ${checked.from} AND "at" < ${checked.to}
    GROUP BY "bucket"
    ORDER BY "bucket"`;
  return rows.map((row) => toBucket(row, checked.bucketMs, BACKEND_BUCKET_FIELDS));
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
