import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations } from "@/lib/db/migrate";
import { openSqlite, type SqliteDatabase } from "@/lib/db/sqlite";
import { createRequestLogWriter, type RequestLogWriter } from "@/lib/db/request-log-writer";
import type { RequestLogEntry } from "@/lib/request-log/record";
import { bucketOfPeriod, ROLLUP_COUNTERS, ROLLUP_DIMENSIONS, USAGE_DIMENSIONS, USAGE_PERIODS, type UsagePeriod } from "@/lib/request-log/rollup";
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

/**
 * The rollups recounted from the raw rows with the migration's own SQL (prisma/migrations/
 * 20261206120000_request_log_at_scale): what the writer keeps must equal it at any time.
 */
export function recountedRollups(db: SqliteDatabase, migrationSql: string): Record<string, unknown>[] {
  const select = /INSERT INTO "RequestRollup" \([^)]*\)\s*(SELECT[\s\S]*?GROUP BY 1, 2, 3, 4, 5, 6);/.exec(migrationSql)?.[1];
  if (!select) throw new Error("the migration's rollup query was not found");
  const rows = db.prepare(select).raw().all() as unknown[][];
  const columns = [...keyColumns, ...ROLLUP_COUNTERS];
  return normalized(rows.map((values) => Object.fromEntries(columns.map((column, i) => [column, values[i]]))));
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
        const sum = (usage[key] ??= Object.fromEntries(ROLLUP_COUNTERS.map((counter) => [counter, 0])));
        for (const counter of ROLLUP_COUNTERS) sum[counter]! += row[counter] as number;
      }
    }
  }
  return Object.fromEntries(Object.entries(usage).map(([key, counters]) => [key, countersOf(counters)]));
}

function countersOf(row: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(ROLLUP_COUNTERS.map((counter) => [counter, Math.round((row[counter] as number) * 1e6) / 1e6]));
}
