import { openSqlite, type SqliteDatabase } from "@/lib/db/sqlite";
import { REQUEST_LOG_COLUMNS, type RequestLogEntry } from "@/lib/request-log/record";
import { RollupAccumulator } from "./request-log/rollup-writer";
import { toStoredRow, type StoredRow } from "./request-log/rows";

// The gateway's log rows are written here, off the hot path: `record` only puts the entry in a bounded
// in-memory queue; a timer flushes the queue in one transaction on a separate better-sqlite3 connection.
// A response never waits for the database, and a database problem costs log rows (counted), never requests.
// Another connection's write lock costs nothing: the batch stays queued for the next flush (within maxQueue).
//
// The same transaction keeps the per-minute rollups (RequestRollup: one increment per finished request) and the
// captured bodies (RequestBody), so the rollups always agree with the rows they summarise.
//
// The row's fields are defined once, in lib/request-log/record.ts; the entry type and the columns come from there.

export type RequestLogWriterStats = {
  /** Entries waiting for the next flush. */
  queued: number;
  /** Rows added to the database since start: one per request (its open entry and its final one are the same row). */
  written: number;
  /** Entries lost: queue full, malformed, failed batch, or recorded after stop(). */
  dropped: number;
  failedBatches: number;
  /** Flushes put off because another connection held the write lock; their entries stayed queued. */
  busyBatches: number;
  lastError?: string;
};

export type RequestLogWriter = {
  /** Switchyard's id for a new request: the next in arrival order (ids are the log's primary key). */
  nextId(): number;
  /** Queues an entry (kept as given until the next flush: pass a copy you will not change). Synchronous and O(1); never throws, never waits. */
  record(entry: RequestLogEntry): void;
  stats(): RequestLogWriterStats;
  /** Writes everything queued now. Never rejects; failures show in stats(). */
  flush(): Promise<void>;
  /** Stops the timer, writes what is queued, releases the connection if the writer opened it. */
  stop(): Promise<void>;
};

export type RequestLogWriterOptions = ({ dbFile: string; db?: never } | { db: SqliteDatabase; dbFile?: never }) & {
  flushIntervalMs?: number;
  maxQueue?: number;
  /**
   * How long a flush may wait for another connection's write lock. Short on purpose: a flush runs on the
   * event loop, so waiting there stalls every in-flight stream, and when the lock is held by a Prisma
   * transaction on this same thread no wait can outlast it. The batch is tried again at the next flush.
   * Only used when the writer opens the connection itself.
   */
  busyTimeoutMs?: number;
  onError?: (error: unknown) => void;
};

const COLUMNS = REQUEST_LOG_COLUMNS;

const columnList = COLUMNS.map((column) => `"${column}"`).join(", ");
const valueList = COLUMNS.map((column) => `@${column}`).join(", ");
// "open" never overwrites: if the final entry got there first (an earlier batch), it must stay final.
const INSERT_OPEN_SQL = `INSERT OR IGNORE INTO "RequestLog" (${columnList}) VALUES (${valueList})`;
const UPSERT_FINAL_SQL =
  `INSERT INTO "RequestLog" (${columnList}) VALUES (${valueList}) ON CONFLICT("id") DO UPDATE SET ` +
  COLUMNS.filter((column) => column !== "id")
    .map((column) => `"${column}" = excluded."${column}"`)
    .join(", ");

const UPSERT_BODY_SQL =
  `INSERT INTO "RequestBody" ("requestLogId", "receivedAt", "requestBody", "responseBody") VALUES (@id, @receivedAt, @requestBody, @responseBody) ` +
  `ON CONFLICT ("requestLogId") DO UPDATE SET "requestBody" = excluded."requestBody", "responseBody" = excluded."responseBody"`;

/** What one queued entry writes: its row, and for a finished request its captured bodies. */
interface PreparedEntry {
  row: StoredRow;
  body: { id: number; receivedAt: string; requestBody: string | null; responseBody: string | null } | null;
}

/** Converts at flush time: a malformed entry is rejected alone. */
function prepareEntry(entry: RequestLogEntry): PreparedEntry {
  const row = toStoredRow(entry);
  const captured = entry.outcome !== "open" && (entry.requestBody != null || entry.responseBody != null);
  const body = captured ? { id: entry.id, receivedAt: row.receivedAt as string, requestBody: entry.requestBody ?? null, responseBody: entry.responseBody ?? null } : null;
  return { row, body };
}

/**
 * Writes a finished request's row and keeps the rollups exact: the row adds to them once; should a finished row be
 * replaced by another, the old one's contribution is taken back first. The rollups are written by `rollups.write()`.
 */
function finalRowWriter(db: SqliteDatabase, rollups: RollupAccumulator): (row: StoredRow) => { added: boolean } {
  const selectPrevious = db.prepare(`SELECT ${columnList} FROM "RequestLog" WHERE "id" = ?`);
  const upsertFinal = db.prepare(UPSERT_FINAL_SQL);
  return (row) => {
    const previous = selectPrevious.get(row.id) as Record<string, unknown> | undefined;
    if (previous && previous.outcome !== "open") rollups.add(previous, -1);
    upsertFinal.run(row);
    rollups.add(row, 1);
    return { added: previous === undefined };
  };
}

/**
 * Rows still "open" belong to requests a previous process never finished: they become "interrupted" (and count in
 * their minute's rollup). Call once at start-up, before the writer records anything, or live requests would be
 * marked too. Returns how many there were.
 */
export function markInterruptedRequests(dbFile: string): number {
  const db = openSqlite(dbFile);
  try {
    const rollups = new RollupAccumulator(db);
    const writeFinal = finalRowWriter(db, rollups);
    const open = db.prepare(`SELECT ${columnList} FROM "RequestLog" INDEXED BY "RequestLog_outcome_receivedAt_idx" WHERE "outcome" = 'open'`).all() as StoredRow[];
    db.transaction(() => {
      rollups.reset();
      for (const row of open) writeFinal({ ...row, outcome: "interrupted" });
      rollups.write();
    })();
    return open.length;
  } finally {
    db.close();
  }
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** SQLITE_BUSY and SQLITE_LOCKED (and their extended codes): another connection has the lock; it will let go. */
function isLockContention(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

export function createRequestLogWriter(options: RequestLogWriterOptions): RequestLogWriter {
  const flushIntervalMs = options.flushIntervalMs ?? 100;
  const maxQueue = options.maxQueue ?? 10_000;
  const ownsConnection = options.db === undefined;
  const db = options.db ?? openSqlite(options.dbFile, { busyTimeoutMs: options.busyTimeoutMs ?? 20 });

  // Keyed by request id: the final entry replaces the queued "open" one, so each batch writes one row per id.
  // Entries are converted to rows at flush time, so an "open" entry superseded in the same batch costs nothing.
  let queue = new Map<number, RequestLogEntry>();
  // Ids continue after the newest row (the primary key's last entry: one lookup). A database that cannot be read
  // yet (no table before migrations) starts at 1; its rows would be counted as failed batches anyway.
  let lastId = readLastId(db);
  let written = 0;
  let dropped = 0;
  let failedBatches = 0;
  let busyBatches = 0;
  let lastError: string | undefined;
  let stopped = false;

  // Prepared lazily and re-prepared after a failure, so a missing table at start-up is an ordinary
  // (counted, recoverable) batch failure rather than a crash.
  let writeBatch: ((entries: PreparedEntry[]) => number) | null = null;

  function noteError(error: unknown): void {
    lastError = errorMessage(error);
    try {
      options.onError?.(error);
    } catch {
      // A broken error callback must not break logging.
    }
  }

  /** The batch writer answers how many rows it added (an entry that completes an earlier open row adds none). */
  function prepareBatchWriter(): (entries: PreparedEntry[]) => number {
    const insertOpen = db.prepare(INSERT_OPEN_SQL);
    const rollups = new RollupAccumulator(db);
    const writeFinal = finalRowWriter(db, rollups);
    const upsertBody = db.prepare(UPSERT_BODY_SQL);
    return db.transaction((entries: PreparedEntry[]) => {
      rollups.reset();
      let added = 0;
      for (const { row, body } of entries) {
        if (row.outcome === "open") {
          added += insertOpen.run(row).changes;
          continue;
        }
        if (writeFinal(row).added) added += 1;
        if (body) upsertBody.run(body);
      }
      rollups.write();
      return added;
    });
  }

  // Synchronous from start to end, so nothing is recorded while a batch is out: the queue is cleared only once
  // the batch is settled, and a batch kept back by a lock simply stays where it is.
  function flushNow(): void {
    if (queue.size === 0) return;
    const batch: PreparedEntry[] = [];
    for (const [id, entry] of queue) {
      try {
        batch.push(prepareEntry(entry));
      } catch (error) {
        // A malformed entry is dropped alone; the rest of the batch is written.
        queue.delete(id);
        dropped += 1;
        noteError(error);
      }
    }
    if (batch.length === 0) return;
    try {
      writeBatch ??= prepareBatchWriter();
      written += writeBatch(batch);
    } catch (error) {
      // Contention loses nothing, so it is no error (lastError names what cost rows); busyBatches counts it.
      if (isLockContention(error)) {
        busyBatches += 1;
        return;
      }
      writeBatch = null; // prepared again next time: the failure may have been a missing table
      noteError(error);
      failedBatches += 1;
      dropped += batch.length;
    }
    queue = new Map();
  }

  const timer = setInterval(flushNow, flushIntervalMs);
  timer.unref(); // logging alone must never keep the process alive

  return {
    nextId: () => ++lastId,

    record(entry) {
      try {
        if (stopped) {
          dropped += 1;
          return;
        }
        const queued = queue.get(entry.id);
        // A late "open" must not undo a final entry waiting in the same batch.
        if (queued && queued.outcome !== "open" && entry.outcome === "open") return;
        if (!queued && queue.size >= maxQueue) {
          dropped += 1;
          return;
        }
        if (!Number.isSafeInteger(entry.id) || entry.id <= 0) throw new Error("request log entry without an id");
        queue.set(entry.id, entry);
      } catch (error) {
        dropped += 1;
        noteError(error);
      }
    },

    stats() {
      return { queued: queue.size, written, dropped, failedBatches, busyBatches, ...(lastError === undefined ? {} : { lastError }) };
    },

    async flush() {
      flushNow();
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      flushNow();
      dropped += queue.size; // still locked out at shutdown
      queue = new Map();
      if (ownsConnection) {
        try {
          db.close();
        } catch (error) {
          noteError(error);
        }
      }
    },
  };
}

/** A writer that keeps nothing: `SWITCHYARD_REQUEST_LOG=off`, for the benchmark's log-off run. */
export function disabledRequestLog(): RequestLogWriter {
  let lastId = 0;
  return {
    nextId: () => ++lastId,
    record: () => undefined,
    stats: () => ({ queued: 0, written: 0, dropped: 0, failedBatches: 0, busyBatches: 0 }),
    flush: async () => undefined,
    stop: async () => undefined,
  };
}

/** The newest id ever given: AUTOINCREMENT's high-water mark, which outlives the rows (retention may delete them all). */
function readLastId(db: SqliteDatabase): number {
  try {
    const row = db
      .prepare(`SELECT max(coalesce((SELECT "seq" FROM "sqlite_sequence" WHERE "name" = 'RequestLog'), 0), coalesce((SELECT max("id") FROM "RequestLog"), 0)) AS "id"`)
      .get() as { id: number };
    return row.id;
  } catch {
    return 0;
  }
}
