import type { SqliteDatabase } from "@/lib/db/sqlite";
import { toDbTimestamp } from "@/lib/db/timestamps";

// Retention of the request log, in small chunks by an indexed range: each chunk is its own short transaction, with
// a pause after it, so the log writer (on the gateway's thread) never waits long for the write lock. Runs on the
// reader worker's own writable connection (./worker.ts), never on the gateway's event loop.

export interface RequestLogRetention {
  /** Rows received longer ago than this are deleted. */
  maxAgeDays: number;
  /**
   * Only the rows of the newest maxRows requests are kept: ids are given in arrival order, so the cutoff is an id,
   * found from the newest one (no OFFSET walk). Rows the log dropped leave gaps, so the table can hold a few less.
   */
  maxRows: number;
  /** Captured bodies are kept this long (they are large and private). */
  bodyDays: number;
  /** Per-minute rollups are kept this long (they are small and feed the usage views). */
  rollupDays: number;
  now: Date;
}

export interface RetentionResult {
  rows: number;
  bodies: number;
  rollups: number;
}

// A chunk of 200 rows (ten indexes each) holds the write lock for a few milliseconds; the pause after it lets the
// log writer's flush, which waits for that lock on the gateway's thread, in between.
export const RETENTION_CHUNK = 200;
const PAUSE_MS = 15;

const pause = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));

/** Runs `deleteChunk` until it deletes less than a chunk; returns how many rows it deleted in all. */
async function inChunks(deleteChunk: () => number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = deleteChunk();
    total += deleted;
    if (deleted < RETENTION_CHUNK) return total;
    await pause();
  }
}

export async function applyRequestLogRetention(db: SqliteDatabase, retention: RequestLogRetention): Promise<RetentionResult> {
  const daysAgo = (days: number) => toDbTimestamp(new Date(retention.now.getTime() - days * 86_400_000));

  const byAge = db.prepare(
    `DELETE FROM "RequestLog" WHERE "id" IN (SELECT "id" FROM "RequestLog" INDEXED BY "RequestLog_receivedAt_idx" WHERE "receivedAt" < ? ORDER BY "receivedAt" LIMIT ${RETENTION_CHUNK})`,
  );
  let rows = await inChunks(() => byAge.run(daysAgo(retention.maxAgeDays)).changes);

  const newest = (db.prepare(`SELECT max("id") AS "id" FROM "RequestLog"`).get() as { id: number | null }).id;
  if (newest !== null) {
    const firstKept = newest - Math.max(0, Math.floor(retention.maxRows)) + 1;
    const byCount = db.prepare(`DELETE FROM "RequestLog" WHERE "id" IN (SELECT "id" FROM "RequestLog" WHERE "id" < ? ORDER BY "id" LIMIT ${RETENTION_CHUNK})`);
    rows += await inChunks(() => byCount.run(firstKept).changes);
  }

  const bodiesByAge = db.prepare(
    `DELETE FROM "RequestBody" WHERE "requestLogId" IN (SELECT "requestLogId" FROM "RequestBody" INDEXED BY "RequestBody_receivedAt_idx" WHERE "receivedAt" < ? ORDER BY "receivedAt" LIMIT ${RETENTION_CHUNK})`,
  );
  const bodies = await inChunks(() => bodiesByAge.run(daysAgo(retention.bodyDays)).changes);

  const rollupsByAge = db.prepare(
    `DELETE FROM "RequestRollup" WHERE rowid IN (SELECT rowid FROM "RequestRollup" WHERE "minute" < ? ORDER BY "minute" LIMIT ${RETENTION_CHUNK})`,
  );
  const rollups = await inChunks(() => rollupsByAge.run(daysAgo(retention.rollupDays)).changes);
  return { rows, bodies, rollups };
}
