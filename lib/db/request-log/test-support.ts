import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations } from "@/lib/db/migrate";
import { openSqlite, type SqliteDatabase } from "@/lib/db/sqlite";
import { createRequestLogWriter, type RequestLogWriter } from "@/lib/db/request-log-writer";
import type { RequestLogEntry } from "@/lib/request-log/record";
import { bucketOfPeriod, ROLLUP_COUNTERS, ROLLUP_DIMENSIONS, ROLLUP_MAXIMA, USAGE_DIMENSIONS, USAGE_PERIODS, type UsagePeriod } from "@/lib/request-log/rollup";
import { toDbTimestamp } from "@/lib/db/timestamps";

// Shared pieces of the request-log tests: a migrated database in a temporary folder with a writer and a
// connection, an entry factory, and the recount of the rollups from raw rows that the writer must agree with.

export interface LogFixture {
  dbFile: string;
  db: SqliteDatabase;
  writer: RequestLogWriter;
  close(): Promise<void>;
}

export function createLogFixture(migrationsDir?: string): LogFixture {
  const dir = mkdtempSync(path.join(os.tmpdir(), "switchyard-log-"));
  const dbFile = path.join(dir, "switchyard.db");
  applyMigrations(dbFile, migrationsDir);
  const db = openSqlite(dbFile);
  const writer = createRequestLogWriter({ dbFile, flushIntervalMs: 3_600_000 });
  return {
    dbFile,
    db,
    writer,
    async close() {
      await writer.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A finished chat request; `overrides` wins. */
export function finishedEntry(writer: RequestLogWriter, overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  return {
    id: writer.nextId(),
    receivedAt: new Date(Date.UTC(2026, 10, 27, 12, 0, 0)),
    method: "POST",
    endpoint: "/v1/chat/completions",
    requestedModel: "fast",
    route: "fast",
    backend: "qwen-7b",
    stream: false,
    status: 200,
    outcome: "served",
    ...overrides,
  };
}

const keyColumns = ["minute", ...ROLLUP_DIMENSIONS];

/** Rows in key order, numbers rounded past float noise (sums taken in another order differ in the last bits). */
function normalized(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const round = (value: unknown) => (typeof value === "number" ? Math.round(value * 1e6) / 1e6 : value);
  const key = (row: Record<string, unknown>) => keyColumns.map((c) => String(row[c])).join("\u0000");
  return rows
    .map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, round(value)])))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** RequestRollup as stored; rows whose requests were all taken back (zero) left out. */
export function storedRollups(db: SqliteDatabase): Record<string, unknown>[] {
  return normalized(db.prepare(`SELECT * FROM "RequestRollup" WHERE "requests" <> 0`).all() as Record<string, unknown>[]);
}

/** The migration that added failedStreams and the maxima, with its own recount of them from the raw rows. */
const FAILED_STREAMS_MIGRATION = path.resolve(import.meta.dirname, "../../../prisma/migrations/20261207180000_rollup_failed_streams/migration.sql");

/**
 * The rollups recounted from the raw rows with the migrations' own SQL: the counters of the first rollup
 * (prisma/migrations/20261206120000_request_log_at_scale, passed in) and those added since (failedStreams and the
 * maxima, 20261207180000_rollup_failed_streams). What the writer keeps must equal it at any time, but for the maxima
 * after a final row was replaced by one with smaller timings (a maximum cannot be taken back).
 */
export function recountedRollups(db: SqliteDatabase, migrationSql: string): Record<string, unknown>[] {
  const select = /INSERT INTO "RequestRollup" \([^)]*\)\s*(SELECT[\s\S]*?GROUP BY 1, 2, 3, 4, 5, 6);/.exec(migrationSql)?.[1];
  const addedSelect = /CREATE TEMP TABLE "rollup_recount" AS\s*(SELECT[\s\S]*?GROUP BY 1, 2, 3, 4, 5, 6);/.exec(readFileSync(FAILED_STREAMS_MIGRATION, "utf8"))?.[1];
  if (!select || !addedSelect) throw new Error("the migrations' rollup queries were not found");
  const added = ["failedStreams", ...ROLLUP_MAXIMA];
  const firstColumns = [...keyColumns, ...ROLLUP_COUNTERS.filter((counter) => !added.includes(counter))];
  const addedByKey = new Map((db.prepare(addedSelect).raw().all() as unknown[][]).map((values) => [values.slice(0, keyColumns.length).join("\u0000"), values]));
  const rows = (db.prepare(select).raw().all() as unknown[][]).map((values) => {
    const row: Record<string, unknown> = Object.fromEntries(firstColumns.map((column, i) => [column, values[i]]));
    const extra = addedByKey.get(values.slice(0, keyColumns.length).join("\u0000"));
    for (const [i, column] of added.entries()) row[column] = extra?.[keyColumns.length + i];
    return row;
  });
  return normalized(rows);
}

/** RequestUsage as stored, keyed "period|dimension|bucket|value"; zero rows left out, sums rounded past float noise. */
export function storedUsage(db: SqliteDatabase): Record<string, Record<string, number>> {
  const rows = db.prepare(`SELECT * FROM "RequestUsage" WHERE "requests" <> 0`).all() as Record<string, unknown>[];
  return Object.fromEntries(rows.map((row) => [`${row.period}|${row.dimension}|${row.bucket}|${row.value}`, countersOf(row)]));
}

/** RequestUsage as it must be: the minute rollup summed again in JavaScript, per period and dimension. */
export function usageFromMinuteRollups(db: SqliteDatabase): Record<string, Record<string, number>> {
  const usage: Record<string, Record<string, number>> = {};
  for (const row of db.prepare(`SELECT * FROM "RequestRollup" WHERE "requests" <> 0`).all() as Record<string, unknown>[]) {
    for (const period of Object.keys(USAGE_PERIODS) as UsagePeriod[]) {
      const bucket = toDbTimestamp(bucketOfPeriod(new Date(row.minute as string), period));
      for (const dimension of USAGE_DIMENSIONS) {
        const key = `${period}|${dimension}|${bucket}|${dimension === "" ? "" : String(row[dimension])}`;
        const sum = (usage[key] ??= Object.fromEntries([...ROLLUP_COUNTERS, ...ROLLUP_MAXIMA].map((column) => [column, 0])));
        for (const counter of ROLLUP_COUNTERS) sum[counter]! += row[counter] as number;
        for (const maximum of ROLLUP_MAXIMA) sum[maximum] = Math.max(sum[maximum]!, row[maximum] as number);
      }
    }
  }
  return Object.fromEntries(Object.entries(usage).map(([key, counters]) => [key, countersOf(counters)]));
}

function countersOf(row: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries([...ROLLUP_COUNTERS, ...ROLLUP_MAXIMA].map((column) => [column, Math.round((row[column] as number) * 1e6) / 1e6]));
}
