import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { readLocalMigrations } from "@/lib/db/migrate";
import { toDbTimestamp } from "@/lib/db/timestamps";
import { buildDatabase, removeDatabase, type LoadResult } from "./bulk-load";
import type { DatasetParams } from "./dataset";

/**
 * The generated database, kept under .tmp/bench-log/<hash>/ where the hash covers the parameters and the generator's
 * version: a second run with the same parameters reuses it (`--fresh` rebuilds) while its migrations are the first
 * ones of the current tree. meta.json says when the rows end and is written last, so a build cut short is never
 * reused.
 */

/** Bump when the generator's output changes. */
const GENERATOR_VERSION = 2;
/** Table plus ten indexes plus ~3 % bodies come to about 1.1 KB a row; index builds need room to sort. */
const BYTES_PER_ROW_NEEDED = 1_700;
const SPARE_BYTES = 2 * 1024 ** 3;

export interface DatasetMeta {
  hash: string;
  params: DatasetParams;
  /** Generated rows end here (exclusive, a whole minute); everything after belongs to benchmark traffic. */
  endMs: number;
  load: LoadResult;
  generationSeconds: number;
  createdAt: string;
}

export interface Dataset {
  file: string;
  meta: DatasetMeta;
  reused: boolean;
}

function datasetHash(params: DatasetParams): string {
  return createHash("sha256").update(JSON.stringify({ params, GENERATOR_VERSION })).digest("hex").slice(0, 16);
}

/**
 * Whether a cached database can serve the current code: the migrations it holds must be the first ones of
 * prisma/migrations, unchanged. Later ones (a column added since) are applied by the app at its first start, as in
 * production; a changed or removed migration means the data must be made again.
 */
function migrationsCompatible(file: string, root: string): boolean {
  const local = readLocalMigrations(path.join(root, "prisma", "migrations"));
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const applied = db.prepare(`SELECT "migration_name" AS name, "checksum" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL ORDER BY "migration_name"`).all() as { name: string; checksum: string }[];
    return applied.every((migration, i) => local[i]?.name === migration.name && local[i]?.checksum === migration.checksum);
  } catch {
    return false;
  } finally {
    db.close();
  }
}

export function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/** The database file's size with its WAL. */
export function databaseBytes(file: string): { main: number; wal: number } {
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  return { main: size(file), wal: size(`${file}-wal`) };
}

export function ensureDataset(options: { root: string; params: DatasetParams; fresh: boolean; log: (message: string) => void }): Dataset {
  const { root, params, log } = options;
  const hash = datasetHash(params);
  const dir = path.join(root, ".tmp", "bench-log", hash);
  const file = path.join(dir, "switchyard.db");
  const metaFile = path.join(dir, "meta.json");
  if (existsSync(retentionPendingMarker(file))) log("the last run stopped during its retention pass: rebuilding the database");
  else if (!options.fresh && existsSync(metaFile) && existsSync(file) && !migrationsCompatible(file, root)) log("the migrations changed since the database was built: rebuilding it");
  else if (!options.fresh && existsSync(metaFile) && existsSync(file)) {
    const meta = JSON.parse(readFileSync(metaFile, "utf8")) as DatasetMeta;
    log(`reusing ${path.relative(root, file)} (${params.rows.toLocaleString("en")} rows, built ${meta.createdAt}; --fresh rebuilds it)`);
    return { file, meta, reused: true };
  }
  mkdirSync(dir, { recursive: true });
  rmSync(metaFile, { force: true });
  rmSync(retentionPendingMarker(file), { force: true });
  removeDatabase(file);
  const needed = params.rows * BYTES_PER_ROW_NEEDED + SPARE_BYTES;
  const free = freeBytes(dir);
  if (free < needed) {
    throw new Error(
      `not enough free disk for a ${params.rows.toLocaleString("en")}-row database: about ${(needed / 1024 ** 3).toFixed(1)} GiB needed, ` +
        `${(free / 1024 ** 3).toFixed(1)} GiB free under ${dir}. Free some space or try a smaller --rows.`,
    );
  }
  const endMs = Math.floor(Date.now() / 60_000) * 60_000;
  log(`generating ${params.rows.toLocaleString("en")} rows over ${params.days} days (seed ${params.seed}) into ${path.relative(root, file)}`);
  const started = performance.now();
  const load = buildDatabase(file, params, endMs, log);
  const generationSeconds = (performance.now() - started) / 1000;
  const meta: DatasetMeta = { hash, params, endMs, load, generationSeconds, createdAt: new Date().toISOString() };
  writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  log(`generated in ${generationSeconds.toFixed(0)} s (inserts ${load.insertSeconds.toFixed(0)} s, indexes ${load.indexSeconds.toFixed(0)} s)`);
  return { file, meta, reused: false };
}

/**
 * Takes out what earlier benchmark runs added (the gateway's own requests: ids after the generated ones, rollups
 * from endMs on), so every run measures the same log. The bodies follow their rows (ON DELETE CASCADE).
 */
export function removeBenchTraffic(file: string, meta: DatasetMeta): number {
  const db = new Database(file);
  try {
    db.pragma("foreign_keys = ON");
    const rows = db.prepare(`DELETE FROM "RequestLog" WHERE "id" > ?`).run(meta.params.rows).changes;
    db.prepare(`DELETE FROM "RequestRollup" WHERE "minute" >= ?`).run(toDbTimestamp(new Date(meta.endMs)));
    db.pragma("wal_checkpoint(TRUNCATE)");
    return rows;
  } finally {
    db.close();
  }
}

/** Present while a retention pass has rows deleted that are not restored yet: such a database is rebuilt. */
export function retentionPendingMarker(file: string): string {
  return `${file}.retention-pending`;
}
