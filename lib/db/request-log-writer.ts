import { openSqlite, type SqliteDatabase } from "@/lib/db/sqlite";
import { toDbTimestamp } from "@/lib/db/timestamps";

// The gateway's log rows are written here, off the hot path: `record` only puts the entry in a bounded
// in-memory queue; a timer flushes the queue in one transaction on a separate better-sqlite3 connection.
// A response never waits for the database, and a database problem costs log rows (counted), never requests.

export const REQUEST_LOG_OUTCOMES = [
  "open",
  "served",
  "client_abort",
  "upstream_error",
  "timeout",
  "rejected",
  "bad_request",
  "interrupted",
] as const;

/** "open": accepted and still running; "interrupted": was still open when the process stopped. */
export type RequestLogOutcome = (typeof REQUEST_LOG_OUTCOMES)[number];

/** One gateway request as it is logged (mirrors the RequestLog model; optional fields default to null). */
export type RequestLogEntry = {
  id: string;
  receivedAt: Date;
  firstTokenAt?: Date | null;
  finishedAt?: Date | null;
  clientAddress?: string | null;
  userAgent?: string | null;
  method: string;
  endpoint: string;
  requestedModel?: string | null;
  route?: string | null;
  routeReason?: string | null;
  backend?: string | null;
  mode?: string | null;
  stream: boolean;
  status?: number | null;
  outcome: RequestLogOutcome;
  errorCode?: string | null;
  errorMessage?: string | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  cachedTokens?: number | null;
  ttftMs?: number | null;
  durationMs?: number | null;
  queueMs?: number | null;
  finishReason?: string | null;
  /** Backends tried; defaults to 1. */
  attempts?: number;
  apiKeyId?: string | null;
  apiKeyName?: string | null;
  /** The serving GPUs' average utilization when the request was accepted (from telemetry). */
  gpuUtilizationPct?: number | null;
  /** The backend's KV-cache usage (0..1) when the request was accepted. */
  kvCacheUsage?: number | null;
  /** Requests waiting in the backend's own queue when the request was accepted. */
  backendQueueDepth?: number | null;
  /** Estimated energy of the serving GPUs over the request. */
  energyWh?: number | null;
  /** Captured bodies (prompt capture on only). */
  requestBody?: string | null;
  responseBody?: string | null;
};

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

/** Every RequestLog column, in table order. */
export const REQUEST_LOG_COLUMNS = [
  "id",
  "receivedAt",
  "firstTokenAt",
  "finishedAt",
  "clientAddress",
  "userAgent",
  "method",
  "endpoint",
  "requestedModel",
  "route",
  "routeReason",
  "backend",
  "mode",
  "stream",
  "status",
  "outcome",
  "errorCode",
  "errorMessage",
  "promptTokens",
  "completionTokens",
  "cachedTokens",
  "ttftMs",
  "durationMs",
  "queueMs",
  "finishReason",
  "attempts",
  "apiKeyId",
  "apiKeyName",
  "gpuUtilizationPct",
  "kvCacheUsage",
  "backendQueueDepth",
  "energyWh",
  "requestBody",
  "responseBody",
] as const;

const COLUMNS = REQUEST_LOG_COLUMNS;
type Column = (typeof COLUMNS)[number];
type SqlValue = string | number | null;
type Row = Record<Column, SqlValue>;

const columnList = COLUMNS.map((column) => `"${column}"`).join(", ");
const valueList = COLUMNS.map((column) => `@${column}`).join(", ");
// "open" never overwrites: if the final entry got there first (an earlier batch), it must stay final.
const INSERT_OPEN_SQL = `INSERT OR IGNORE INTO "RequestLog" (${columnList}) VALUES (${valueList})`;
const UPSERT_FINAL_SQL =
  `INSERT INTO "RequestLog" (${columnList}) VALUES (${valueList}) ON CONFLICT("id") DO UPDATE SET ` +
  COLUMNS.filter((column) => column !== "id")
    .map((column) => `"${column}" = excluded."${column}"`)
    .join(", ");

const timestamp = (date: Date | null | undefined): string | null => (date ? toDbTimestamp(date) : null);

// Telemetry readings are best effort: NaN or Infinity (e.g. a division over an empty window) is stored as unknown.
const finiteOrNull = (value: number | null | undefined): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;

/** Converts at flush time: a malformed entry is rejected alone. */
function toRow(entry: RequestLogEntry): Row {
  if (typeof entry.id !== "string" || entry.id.length === 0) throw new Error("request log entry without an id");
  return {
    id: entry.id,
    receivedAt: toDbTimestamp(entry.receivedAt), // throws on an invalid Date
    firstTokenAt: timestamp(entry.firstTokenAt),
    finishedAt: timestamp(entry.finishedAt),
    clientAddress: entry.clientAddress ?? null,
    userAgent: entry.userAgent ?? null,
    method: entry.method,
    endpoint: entry.endpoint,
    requestedModel: entry.requestedModel ?? null,
    route: entry.route ?? null,
    routeReason: entry.routeReason ?? null,
    backend: entry.backend ?? null,
    mode: entry.mode ?? null,
    stream: entry.stream ? 1 : 0, // Prisma's Boolean on SQLite is 0/1
    status: entry.status ?? null,
    outcome: entry.outcome,
    errorCode: entry.errorCode ?? null,
    errorMessage: entry.errorMessage ?? null,
    promptTokens: entry.promptTokens ?? null,
    completionTokens: entry.completionTokens ?? null,
    cachedTokens: entry.cachedTokens ?? null,
    ttftMs: entry.ttftMs ?? null,
    durationMs: entry.durationMs ?? null,
    queueMs: entry.queueMs ?? null,
    finishReason: entry.finishReason ?? null,
    attempts: entry.attempts ?? 1,
    apiKeyId: entry.apiKeyId ?? null,
    apiKeyName: entry.apiKeyName ?? null,
    gpuUtilizationPct: finiteOrNull(entry.gpuUtilizationPct),
    kvCacheUsage: finiteOrNull(entry.kvCacheUsage),
    backendQueueDepth: finiteOrNull(entry.backendQueueDepth),
    energyWh: finiteOrNull(entry.energyWh),
    requestBody: entry.requestBody ?? null,
    responseBody: entry.responseBody ?? null,
  };
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
