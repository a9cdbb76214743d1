import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { openSqlite, type SqliteDatabase } from "@/lib/db/sqlite";

// Applies prisma/migrations without Prisma's schema engine (a native binary that cannot be downloaded
// everywhere), recording each migration in `_prisma_migrations` the way `prisma migrate deploy` does, so a
// database migrated here can later be handled by the Prisma CLI and vice versa.

/** Prisma's own DDL for its history table on SQLite, verbatim (whitespace included). */
export const PRISMA_MIGRATIONS_TABLE_DDL = `CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

export type MigrationErrorCode =
  | "migrations_dir_missing"
  | "migration_file_missing"
  | "migration_provider_mismatch"
  | "migration_failed_previously"
  | "migration_checksum_mismatch"
  | "migration_failed";

export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    readonly migrationName?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type LocalMigration = { name: string; sql: string; checksum: string };

type HistoryRow = {
  migration_name: string;
  checksum: string;
  finished_at: number | string | null;
  rolled_back_at: number | string | null;
};

/** Default location of the committed migrations: the project root is the working directory of `npm start`. */
export function defaultMigrationsDir(): string {
  return path.join(process.cwd(), "prisma", "migrations");
}

export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/**
 * Like Prisma, accept the script with either line ending: git may have converted it on checkout
 * (Windows), which must not look like an edited migration.
 */
function scriptMatchesChecksum(sql: string, checksum: string): boolean {
  const expected = checksum.toLowerCase();
  return (
    migrationChecksum(sql) === expected ||
    migrationChecksum(sql.replaceAll("\r\n", "\n")) === expected ||
    migrationChecksum(sql.replaceAll("\r\n", "\n").replaceAll("\n", "\r\n")) === expected
  );
}

export function readLocalMigrations(migrationsDir: string): LocalMigration[] {
  if (!existsSync(migrationsDir)) {
    throw new MigrationError("migrations_dir_missing", `Migrations folder not found: ${migrationsDir}`);
  }
  const lockFile = path.join(migrationsDir, "migration_lock.toml");
  if (existsSync(lockFile)) {
    const provider = /^\s*provider\s*=\s*"([^"]+)"/m.exec(readFileSync(lockFile, "utf8"))?.[1];
    if (provider !== undefined && provider !== "sqlite") {
      throw new MigrationError(
        "migration_provider_mismatch",
        `${lockFile} is for provider "${provider}", but this database is SQLite.`,
      );
    }
  }
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort() // names start with a UTC timestamp, so name order is creation order (Prisma sorts the same way)
    .map((name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      if (!existsSync(file)) {
        throw new MigrationError("migration_file_missing", `Migration ${name} has no migration.sql (${file}).`, name);
      }
      const sql = readFileSync(file, "utf8");
      return { name, sql, checksum: migrationChecksum(sql) };
    });
}

function ensureHistoryTable(db: SqliteDatabase): void {
  // SQLite drops "IF NOT EXISTS" from the text it keeps in sqlite_master, so the stored DDL stays Prisma's.
  db.exec(PRISMA_MIGRATIONS_TABLE_DDL.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"));
}

function readHistory(db: SqliteDatabase): HistoryRow[] {
  return db
    .prepare(
      `SELECT "migration_name", "checksum", "finished_at", "rolled_back_at"
       FROM "_prisma_migrations" ORDER BY "started_at", "migration_name"`,
    )
    .all() as HistoryRow[];
}

const isApplied = (row: HistoryRow) => row.finished_at !== null && row.rolled_back_at === null;
const isFailed = (row: HistoryRow) => row.finished_at === null && row.rolled_back_at === null;

/** Refuses, as `prisma migrate deploy` does, to build on a history it cannot trust. */
function assertHistoryIsSound(history: HistoryRow[], local: LocalMigration[]): void {
  const failed = history.find(isFailed);
  if (failed) {
    throw new MigrationError(
      "migration_failed_previously",
      `Migration ${failed.migration_name} is recorded as started but not finished in _prisma_migrations ` +
        `(it failed, possibly half-applied). Repair the database by hand, then mark it with ` +
        `\`prisma migrate resolve --applied|--rolled-back ${failed.migration_name}\` or delete that row.`,
      failed.migration_name,
    );
  }
  const localByName = new Map(local.map((migration) => [migration.name, migration]));
  for (const row of history.filter(isApplied)) {
    const migration = localByName.get(row.migration_name);
    // A recorded migration missing locally comes from a newer checkout; it does not block older ones.
    if (migration && !scriptMatchesChecksum(migration.sql, row.checksum)) {
      throw new MigrationError(
        "migration_checksum_mismatch",
        `Migration ${row.migration_name} was modified after it was applied (checksum ${row.checksum} recorded, ` +
          `${migration.checksum} on disk). Applied migrations must never be edited: restore the file and ` +
          `put the change in a new migration.`,
        row.migration_name,
      );
    }
  }
}

function applyOne(db: SqliteDatabase, migration: LocalMigration): boolean {
  // Foreign keys must be off while a migration redefines tables (SQLite's documented procedure), and the
  // pragma is a no-op inside a transaction, so it is switched here and checked before commit instead.
  db.pragma("foreign_keys = OFF");
  try {
    const run = db.transaction((): boolean => {
      // Another process may have applied it between our read of the history and this write lock.
      const alreadyApplied = readHistory(db).some((row) => row.migration_name === migration.name && isApplied(row));
      if (alreadyApplied) return false;

      const id = randomUUID();
      db.prepare(
        `INSERT INTO "_prisma_migrations" ("id", "checksum", "started_at", "migration_name", "applied_steps_count")
         VALUES (?, ?, ?, ?, 0)`,
      ).run(id, migration.checksum, Date.now(), migration.name);
      db.exec(migration.sql);
      const violations = db.pragma("foreign_key_check") as unknown[];
      if (violations.length > 0) {
        throw new Error(`foreign key check failed after the migration: ${JSON.stringify(violations.slice(0, 5))}`);
      }
      // Prisma runs a SQLite migration script as one step and stores its timestamps as unix milliseconds.
      db.prepare(
        `UPDATE "_prisma_migrations" SET "finished_at" = ?, "applied_steps_count" = 1 WHERE "id" = ?`,
      ).run(Date.now(), id);
      return true;
    });
    return run.immediate();
  } catch (error) {
    // Unlike the schema engine we ran it in a transaction, so nothing of it (not even its history row)
    // remains: fixing the SQL and starting again is safe, no `migrate resolve` needed.
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(
      "migration_failed",
      `Migration ${migration.name} failed and was rolled back: ${reason}`,
      migration.name,
      { cause: error },
    );
  } finally {
    db.pragma("foreign_keys = ON");
  }
}

/**
 * Brings the database file (created with its folder if missing) up to date with the migrations folder.
 * Applies pending migrations in name order, each in its own transaction, and returns their names
 * (empty when already up to date). Throws MigrationError when the recorded history cannot be trusted.
 */
export function applyMigrations(dbFile: string, migrationsDir: string = defaultMigrationsDir()): string[] {
  const local = readLocalMigrations(migrationsDir);
  const db = openSqlite(dbFile);
  try {
    ensureHistoryTable(db);
    const history = readHistory(db);
    assertHistoryIsSound(history, local);
    const applied = new Set(history.filter(isApplied).map((row) => row.migration_name));
    const names: string[] = [];
    for (const migration of local) {
      if (applied.has(migration.name)) continue;
      if (applyOne(db, migration)) names.push(migration.name);
    }
    return names;
  } finally {
    db.close();
  }
}
