import { performance } from "node:perf_hooks";
import { toStoredRow } from "@/lib/db/request-log/rows";
import { applyRequestLogRetention, type RetentionResult } from "@/lib/db/request-log/retention";
import { openSqlite } from "@/lib/db/sqlite";
import { REQUEST_LOG_COLUMNS } from "@/lib/request-log/record";
import { generateDataset } from "./dataset";
import type { DatasetMeta } from "./dataset-cache";

/**
 * A retention pass as the app runs it (lib/db/request-log/retention.ts, chunk by chunk on its own connection), timed
 * directly on the database once the app is stopped: "now" is a day after the data ends and rows are kept 30 days,
 * so the pass deletes the oldest day (with its bodies). The deleted rows are then made again from the seed, so the
 * cached database stays whole for the next run.
 */
export interface RetentionMeasure {
  seconds: number;
  deleted: RetentionResult;
  rowsPerSecond: number;
  restoreSeconds: number;
}

const DAY = 86_400_000;

export async function measureRetention(file: string, meta: DatasetMeta, log: (message: string) => void): Promise<RetentionMeasure> {
  const db = openSqlite(file);
  try {
    const cutoff = new Date(meta.endMs - (meta.params.days - 1) * DAY).toISOString().replace("Z", "+00:00");
    const doomed = (db.prepare(`SELECT count(*) AS n, max("id") AS last FROM "RequestLog" WHERE "receivedAt" < ?`).get(cutoff) as { n: number; last: number | null });
    log(`retention pass: ${doomed.n.toLocaleString("en")} rows older than 30 days at now = end + 1 day`);
    const started = performance.now();
    const deleted = await applyRequestLogRetention(db, {
      maxAgeDays: meta.params.days,
      maxRows: 2_000_000_000,
      bodyDays: meta.params.days,
      rollupDays: 400,
      now: new Date(meta.endMs + DAY),
    });
    const seconds = (performance.now() - started) / 1000;
    log(`retention pass: ${deleted.rows.toLocaleString("en")} rows, ${deleted.bodies} bodies beyond the cascade, ${deleted.rollups} rollups in ${seconds.toFixed(1)} s; restoring them`);

    const restoreStarted = performance.now();
    const insertRow = db.prepare(`INSERT INTO "RequestLog" (${REQUEST_LOG_COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES (${REQUEST_LOG_COLUMNS.map(() => "?").join(", ")})`);
    const insertBody = db.prepare(`INSERT INTO "RequestBody" ("requestLogId", "receivedAt", "requestBody", "responseBody") VALUES (?, ?, ?, ?)`);
    const restore = db.transaction((limit: number) => {
      for (const { entry, captured } of generateDataset(meta.params, meta.endMs, limit)) {
        const row = toStoredRow(entry);
        insertRow.run(...REQUEST_LOG_COLUMNS.map((column) => row[column]));
        if (captured) insertBody.run(entry.id, row.receivedAt, captured.requestBody, captured.responseBody);
      }
    });
    restore(doomed.last ?? 0);
    db.pragma("wal_checkpoint(TRUNCATE)");
    const restoreSeconds = (performance.now() - restoreStarted) / 1000;
    return { seconds, deleted, rowsPerSecond: deleted.rows / seconds, restoreSeconds };
  } finally {
    db.close();
  }
}
