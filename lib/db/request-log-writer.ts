import { openSqlite, type SqliteDatabase } from "@/lib/db/sqlite";
import { toDbTimestamp } from "@/lib/db/timestamps";
import { REQUEST_LOG_COLUMNS, REQUEST_LOG_FIELDS, type RequestLogEntry, type RequestLogField, type RequestLogFieldSpec } from "@/lib/request-log/record";

// The gateway's log rows are written here, off the hot path: `record` only puts the entry in a bounded
// in-memory queue; a timer flushes the queue in one transaction on a separate better-sqlite3 connection.
// A response never waits for the database, and a database problem costs log rows (counted), never requests.

// The row's fields are defined once, in lib/request-log/record.ts; the entry type and the columns come from there.

export type RequestLogWriterStats = {
  /** Entries waiting for the next flush. */
  queued: number;
  /** Entries committed to the database. */
  written: number;
  /** Entries lost: queue full, malformed, failed batch, or recorded after stop(). */
  dropped: number;
  failedBatches: number;
  lastError?: string;
};

export type RequestLogWriter = {
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
   * event loop, so waiting there stalls every in-flight stream; losing one batch (counted) is cheaper.
   * Only used when the writer opens the connection itself.
   */
  busyTimeoutMs?: number;
  onError?: (error: unknown) => void;
};

const COLUMNS = REQUEST_LOG_COLUMNS;
type SqlValue = string | number | null;
type Row = Record<RequestLogField, SqlValue>;

const columnList = COLUMNS.map((column) => `"${column}"`).join(", ");
const valueList = COLUMNS.map((column) => `@${column}`).join(", ");
// "open" never overwrites: if the final entry got there first (an earlier batch), it must stay final.
const INSERT_OPEN_SQL = `INSERT OR IGNORE INTO "RequestLog" (${columnList}) VALUES (${valueList})`;
const UPSERT_FINAL_SQL =
  `INSERT INTO "RequestLog" (${columnList}) VALUES (${valueList}) ON CONFLICT("id") DO UPDATE SET ` +
  COLUMNS.filter((column) => column !== "id")
    .map((column) => `"${column}" = excluded."${column}"`)
    .join(", ");

// Telemetry readings are best effort: NaN or Infinity (e.g. a division over an empty window) is stored as unknown.
const finiteOrNull = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** One field's value as its column stores it. */
function toSqlValue(field: RequestLogField, value: unknown): SqlValue {
  const spec: RequestLogFieldSpec = REQUEST_LOG_FIELDS[field];
  switch (spec.type) {
    case "date":
      if (spec.nullable && !value) return null;
      return toDbTimestamp(value as Date); // throws on an invalid Date
    case "boolean":
      return value ? 1 : 0; // Prisma's Boolean on SQLite is 0/1
    case "reading":
      return finiteOrNull(value);
    default:
      if (value !== undefined && value !== null) return value as SqlValue;
      if (spec.default !== undefined) return spec.default as SqlValue;
      return spec.nullable ? null : (value as SqlValue);
  }
}

/** Converts at flush time: a malformed entry is rejected alone. */
function toRow(entry: RequestLogEntry): Row {
  if (typeof entry.id !== "string" || entry.id.length === 0) throw new Error("request log entry without an id");
  const row: Partial<Row> = {};
  for (const column of COLUMNS) row[column] = toSqlValue(column, entry[column]);
  return row as Row;
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createRequestLogWriter(options: RequestLogWriterOptions): RequestLogWriter {
  const flushIntervalMs = options.flushIntervalMs ?? 100;
  const maxQueue = options.maxQueue ?? 10_000;
  const ownsConnection = options.db === undefined;
  const db = options.db ?? openSqlite(options.dbFile, { busyTimeoutMs: options.busyTimeoutMs ?? 250 });

  // Keyed by request id: the final entry replaces the queued "open" one, so each batch writes one row per id.
  // Entries are converted to rows at flush time, so an "open" entry superseded in the same batch costs nothing.
  let queue = new Map<string, RequestLogEntry>();
  let written = 0;
  let dropped = 0;
  let failedBatches = 0;
  let lastError: string | undefined;
  let stopped = false;

  // Prepared lazily and re-prepared after a failure, so a missing table at start-up is an ordinary
  // (counted, recoverable) batch failure rather than a crash.
  let writeBatch: ((rows: Row[]) => void) | null = null;

  function noteError(error: unknown): void {
    lastError = errorMessage(error);
    try {
      options.onError?.(error);
    } catch {
      // A broken error callback must not break logging.
    }
  }

  function prepareBatchWriter(): (rows: Row[]) => void {
    const insertOpen = db.prepare(INSERT_OPEN_SQL);
    const upsertFinal = db.prepare(UPSERT_FINAL_SQL);
    return db.transaction((rows: Row[]) => {
      for (const row of rows) (row.outcome === "open" ? insertOpen : upsertFinal).run(row);
    });
  }

  function flushNow(): void {
    if (queue.size === 0) return;
    const entries = [...queue.values()];
    queue = new Map();
    const batch: Row[] = [];
    for (const entry of entries) {
      try {
        batch.push(toRow(entry));
      } catch (error) {
        // A malformed entry is dropped alone; the rest of the batch is written.
        dropped += 1;
        noteError(error);
      }
    }
    if (batch.length === 0) return;
    try {
      writeBatch ??= prepareBatchWriter();
      writeBatch(batch);
      written += batch.length;
    } catch (error) {
      failedBatches += 1;
      dropped += batch.length;
      writeBatch = null;
      noteError(error);
    }
  }

  const timer = setInterval(flushNow, flushIntervalMs);
  timer.unref(); // logging alone must never keep the process alive

  return {
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
        if (typeof entry.id !== "string" || entry.id.length === 0) throw new Error("request log entry without an id");
        queue.set(entry.id, entry);
      } catch (error) {
        dropped += 1;
        noteError(error);
      }
    },

    stats() {
      return { queued: queue.size, written, dropped, failedBatches, ...(lastError === undefined ? {} : { lastError }) };
    },

    async flush() {
      flushNow();
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      flushNow();
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
  return {
    record: () => undefined,
    stats: () => ({ queued: 0, written: 0, dropped: 0, failedBatches: 0 }),
    flush: async () => undefined,
    stop: async () => undefined,
  };
}
