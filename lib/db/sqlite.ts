import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type SqliteDatabase = Database.Database;

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * The connection settings every Switchyard connection uses (raw better-sqlite3 and Prisma's adapter alike).
 * WAL lets the console read while the log writer writes; NORMAL sync is durable across app crashes in WAL
 * mode (only an OS crash can lose the last commits), which is the right trade for logs.
 */
export function connectionPragmas(busyTimeoutMs: number = DEFAULT_BUSY_TIMEOUT_MS): string {
  return [
    "PRAGMA journal_mode = WAL;",
    `PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))};`,
    "PRAGMA synchronous = NORMAL;",
    "PRAGMA foreign_keys = ON;",
  ].join("\n");
}

export type OpenSqliteOptions = {
  /** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
};

/** Opens (creating if needed, parent folder included) a database file with Switchyard's pragmas. */
export function openSqlite(dbFile: string, options: OpenSqliteOptions = {}): SqliteDatabase {
  if (dbFile !== ":memory:") mkdirSync(path.dirname(path.resolve(dbFile)), { recursive: true });
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = new Database(dbFile, { timeout: busyTimeoutMs });
  try {
    db.exec(connectionPragmas(busyTimeoutMs));
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
