import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import { applyMigrations } from "@/lib/db/migrate";
import { toStoredRow, type StoredRow } from "@/lib/db/request-log/rows";
import { toDbTimestamp } from "@/lib/db/timestamps";
import { REQUEST_LOG_COLUMNS } from "@/lib/request-log/record";
import { ROLLUP_COUNTERS, ROLLUP_DIMENSIONS, rollupOf, type RollupKey, type RollupSource } from "@/lib/request-log/rollup";
import { generateDataset, type DatasetParams } from "./dataset";

/**
 * Builds the benchmark's database: the app's migrations, then the synthetic rows with raw better-sqlite3 in big
 * transactions, in id order, with the secondary indexes dropped during the load and built again after it (with the
 * exact SQL the migrations created them with), no journal and no syncs; the rollups by the writer's own rule
 * (`rollupOf`) summed per minute; captured bodies in RequestBody. Ends in WAL mode, as the app runs it.
 */
export interface LoadResult {
  rows: number;
  bodies: number;
  rollups: number;
  insertSeconds: number;
  indexSeconds: number;
}

const BATCH = 100_000;
const ROLLUP_COLUMNS = ["minute", ...ROLLUP_DIMENSIONS, ...ROLLUP_COUNTERS];

export function removeDatabase(file: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${file}${suffix}`, { force: true });
}

export function buildDatabase(file: string, params: DatasetParams, endMs: number, log: (message: string) => void): LoadResult {
  removeDatabase(file);
  applyMigrations(file);
  const db = new Database(file);
  try {
    db.pragma("journal_mode = DELETE");
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    db.pragma("foreign_keys = OFF");
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("cache_size = -1048576"); // 1 GiB, for the load and the index builds only
    db.pragma("threads = 2");
    const indexes = db
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('RequestLog', 'RequestBody') AND sql IS NOT NULL`)
      .all() as { name: string; sql: string }[];
    for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);

    const started = performance.now();
    const counts = insertRows(db, params, endMs, log);
    const insertSeconds = (performance.now() - started) / 1000;

    const indexStarted = performance.now();
    for (const index of indexes) {
      const t = performance.now();
      db.exec(index.sql);
      log(`index ${index.name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const indexSeconds = (performance.now() - indexStarted) / 1000;
    db.pragma("locking_mode = NORMAL");
    db.pragma("journal_mode = WAL");
    return { ...counts, insertSeconds, indexSeconds };
  } finally {
    db.close();
  }
}

/** What the writer's rollup reads of a stored row (spelled out: spreading a whole row is slow in V8). */
function rollupSource(row: StoredRow, receivedAt: Date): RollupSource {
  const text = (value: unknown) => value as string | null;
  const number = (value: unknown) => value as number | null;
  return {
    receivedAt,
    backend: text(row.backend),
    route: text(row.route),
    requestedModel: text(row.requestedModel),
    apiKeyId: text(row.apiKeyId),
    clientAddress: text(row.clientAddress),
    status: number(row.status),
    outcome: row.outcome as string,
    promptTokens: number(row.promptTokens),
    completionTokens: number(row.completionTokens),
    energyWh: number(row.energyWh),
    ttftMs: number(row.ttftMs),
    durationMs: number(row.durationMs),
  };
}

function insertRows(db: Database.Database, params: DatasetParams, endMs: number, log: (message: string) => void): { rows: number; bodies: number; rollups: number } {
  const insertRow = db.prepare(`INSERT INTO "RequestLog" (${REQUEST_LOG_COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES (${REQUEST_LOG_COLUMNS.map(() => "?").join(", ")})`);
  const insertBody = db.prepare(`INSERT INTO "RequestBody" ("requestLogId", "receivedAt", "requestBody", "responseBody") VALUES (?, ?, ?, ?)`);
  const insertRollup = db.prepare(`INSERT INTO "RequestRollup" (${ROLLUP_COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES (${ROLLUP_COLUMNS.map(() => "?").join(", ")})`);

  let minute = -1;
  let rollupsOfMinute = new Map<string, { key: RollupKey; sums: Float64Array }>();
  let rollups = 0;
  const flushMinute = () => {
    for (const { key, sums } of rollupsOfMinute.values()) {
      insertRollup.run(toDbTimestamp(key.minute), ...ROLLUP_DIMENSIONS.map((d) => key[d]), ...sums);
      rollups += 1;
    }
    rollupsOfMinute = new Map();
  };

  let rows = 0;
  let bodies = 0;
  const started = performance.now();
  db.exec("BEGIN");
  for (const { entry, captured } of generateDataset(params, endMs)) {
    const row = toStoredRow(entry);
    insertRow.run(...REQUEST_LOG_COLUMNS.map((column) => row[column]));
    if (captured) {
      insertBody.run(entry.id, row.receivedAt, captured.requestBody, captured.responseBody);
      bodies += 1;
    }
    // The writer's rule, from the stored row (lib/db/request-log-writer.ts rollupParams).
    const { key, counts } = rollupOf(rollupSource(row, entry.receivedAt));
    const at = key.minute.getTime();
    if (at !== minute) {
      flushMinute();
      minute = at;
    }
    const id = ROLLUP_DIMENSIONS.map((d) => key[d]).join("\u0000");
    let slot = rollupsOfMinute.get(id);
    if (!slot) rollupsOfMinute.set(id, (slot = { key, sums: new Float64Array(ROLLUP_COUNTERS.length) }));
    for (let i = 0; i < ROLLUP_COUNTERS.length; i++) slot.sums[i]! += counts[ROLLUP_COUNTERS[i]!]!;

    rows += 1;
    if (rows % BATCH === 0) {
      db.exec("COMMIT");
      db.exec("BEGIN");
      if (rows % 1_000_000 === 0) log(`${(rows / 1e6).toFixed(0)}M rows (${Math.round(rows / ((performance.now() - started) / 1000)).toLocaleString("en")} rows/s)`);
    }
  }
  flushMinute();
  db.exec("COMMIT");
  return { rows, bodies, rollups };
}
