import type { SqliteDatabase } from "@/lib/db/sqlite";
import { toDbTimestamp } from "@/lib/db/timestamps";
import { clampPageSize, decodeKeysetCursor, encodeKeysetCursor, type Page } from "@/lib/db/queries/keyset-cursor";
import { REQUEST_LOG_COLUMNS } from "@/lib/request-log/record";
import { mergeNewestFirst } from "./merge";
import { fromStoredRow, type RequestLogRow, type SqlValue } from "./rows";

const iterate = <T>(iterator: Iterator<T>): Iterable<T> => ({ [Symbol.iterator]: () => iterator });

// Reads of the request log that stay fast at ten million rows. Every list walks one index whose last column is
// receivedAt (so, implicitly, (receivedAt, id)) from the cursor down, by the row value (receivedAt, id) < (?, ?):
// no OFFSET, no sort, no body. The index is named (INDEXED BY), so a later edit cannot fall back to a scan without
// the EXPLAIN tests noticing (queries.int.test.ts). These run on the reader worker's connection (./worker.ts).

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export type RequestLogFilters = {
  /** receivedAt >= from */
  from?: Date;
  /** receivedAt < to (half-open, so consecutive windows never count a row twice) */
  to?: Date;
  /** The model name the client asked for. */
  model?: string[];
  route?: string[];
  backend?: string[];
  outcome?: string[];
  /** 2, 4 or 5: status / 100. */
  statusClass?: number[];
  status?: number[];
  apiKeyId?: string[];
  clientAddress?: string[];
  stream?: boolean;
  /** The client's x-request-id. */
  clientRequestId?: string;
  /** Substring of the error message or code (case-insensitive for ASCII, as SQLite's LIKE). */
  errorText?: string;
};

/** The equality filters that have an index ending in receivedAt, in the order one is picked to drive a walk. */
const INDEXED_FILTERS = [
  { filter: "apiKeyId", column: "apiKeyId", index: "RequestLog_apiKeyId_receivedAt_idx" },
  { filter: "clientAddress", column: "clientAddress", index: "RequestLog_clientAddress_receivedAt_idx" },
  { filter: "backend", column: "backend", index: "RequestLog_backend_receivedAt_idx" },
  { filter: "route", column: "route", index: "RequestLog_route_receivedAt_idx" },
  { filter: "model", column: "requestedModel", index: "RequestLog_requestedModel_receivedAt_idx" },
  { filter: "statusClass", column: "statusClass", index: "RequestLog_statusClass_receivedAt_idx" },
  { filter: "outcome", column: "outcome", index: "RequestLog_outcome_receivedAt_idx" },
] as const satisfies readonly { filter: keyof RequestLogFilters; column: string; index: string }[];
const TIME_INDEX = "RequestLog_receivedAt_idx";
const STREAM_INDEX = "RequestLog_stream_receivedAt_idx";
const CLIENT_REQUEST_ID_INDEX = "RequestLog_clientRequestId_idx";

type Position = { at: Date; id: number };

/** One walk: a query over one index, newest first, from `before` down. */
interface Walk {
  sql: string;
  params: SqlValue[];
}

const COLUMN_LIST = REQUEST_LOG_COLUMNS.map((column) => `"${column}"`).join(", ");
const inList = (values: readonly unknown[]) => values.map(() => "?").join(", ");

/**
 * The walks that together give the rows matching `filters`, each newest first: one per value of the driving filter
 * (merged by the caller), so a filter with several values still reads each value's index range in order.
 */
export function walksFor(filters: RequestLogFilters, before: Position | null, limit: number | null, columns = COLUMN_LIST): Walk[] {
  // Codes and classes given together mean either (`status=429,5xx`): the class index walks the classes of both.
  const codes = filters.status?.length ? filters.status : undefined;
  const classes = filters.statusClass?.length ? filters.statusClass : undefined;
  const statusClasses = codes || classes ? [...new Set([...(classes ?? []), ...(codes ?? []).map((status) => Math.floor(status / 100))])] : undefined;
  const equality: Record<string, readonly SqlValue[] | undefined> = {
    apiKeyId: filters.apiKeyId,
    clientAddress: filters.clientAddress,
    backend: filters.backend,
    route: filters.route,
    model: filters.model,
    statusClass: statusClasses,
    outcome: filters.outcome,
  };
  const driving = filters.clientRequestId !== undefined ? null : (INDEXED_FILTERS.find((candidate) => (equality[candidate.filter]?.length ?? 0) > 0) ?? null);

  const residual: string[] = [];
  const residualParams: SqlValue[] = [];
  const where = (clause: string, ...params: SqlValue[]) => {
    residual.push(clause);
    residualParams.push(...params);
  };
  if (filters.from) where(`"receivedAt" >= ?`, toDbTimestamp(filters.from));
  if (filters.to) where(`"receivedAt" < ?`, toDbTimestamp(filters.to));
  if (before) where(`("receivedAt", "id") < (?, ?)`, toDbTimestamp(before.at), before.id);
  for (const candidate of INDEXED_FILTERS) {
    const values = equality[candidate.filter];
    if (candidate === driving || !values || values.length === 0) continue;
    where(`"${candidate.column}" IN (${inList(values)})`, ...values);
  }
  if (codes && classes) where(`("status" IN (${inList(codes)}) OR "statusClass" IN (${inList(classes)}))`, ...codes, ...classes);
  else if (codes) where(`"status" IN (${inList(codes)})`, ...codes);
  if (filters.stream !== undefined) where(`"stream" = ?`, filters.stream ? 1 : 0);
  if (filters.errorText) where(`("errorMessage" LIKE ? ESCAPE '\\' OR "errorCode" LIKE ? ESCAPE '\\')`, ...Array(2).fill(`%${escapeLike(filters.errorText)}%`));

  const order = `ORDER BY "receivedAt" DESC, "id" DESC${limit === null ? "" : ` LIMIT ${limit}`}`;
  if (filters.clientRequestId !== undefined) {
    // A client's id names a handful of rows: look them up, then order those few.
    const conditions = [`"clientRequestId" = ?`, ...residual].join(" AND ");
    return [{ sql: `SELECT ${columns} FROM "RequestLog" INDEXED BY "${CLIENT_REQUEST_ID_INDEX}" WHERE ${conditions} ${order}`, params: [filters.clientRequestId, ...residualParams] }];
  }
  if (!driving) {
    const index = filters.stream !== undefined ? STREAM_INDEX : TIME_INDEX;
    const conditions = residual.length ? `WHERE ${residual.join(" AND ")}` : "";
    return [{ sql: `SELECT ${columns} FROM "RequestLog" INDEXED BY "${index}" ${conditions} ${order}`, params: residualParams }];
  }
  const conditions = [`"${driving.column}" = ?`, ...residual].join(" AND ");
  return (equality[driving.filter] ?? []).map((value) => ({
    sql: `SELECT ${columns} FROM "RequestLog" INDEXED BY "${driving.index}" WHERE ${conditions} ${order}`,
    params: [value, ...residualParams],
  }));
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export interface ListParams {
  filters?: RequestLogFilters;
  limit?: number;
  /** The nextCursor of the previous page; absent for the newest rows. */
  cursor?: string | null;
}

/** One page of the log, newest first, keyset-paginated on (receivedAt desc, id desc). */
export function listPage(db: SqliteDatabase, params: ListParams = {}): Page<RequestLogRow> {
  const limit = clampPageSize(params.limit, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
  const before = params.cursor ? decodeKeysetCursor(params.cursor, "number") : null;
  const walks = walksFor(params.filters ?? {}, before, limit + 1);
  const fetched = walks.map((walk) => db.prepare(walk.sql).all(...walk.params) as Record<string, unknown>[]);
  const merged = fetched.length === 1 ? fetched[0]! : iterate(mergeNewestFirst(fetched.map((rows) => rows[Symbol.iterator]()), (row) => ({ at: row.receivedAt as string, id: row.id as number })));
  const rows = [...merged].slice(0, limit + 1).map(fromStoredRow);
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: hasMore && last ? encodeKeysetCursor({ at: last.receivedAt, id: last.id }) : null };
}

/** A request with its captured bodies, by Switchyard's id or, for a key that is no id, by the client's x-request-id (the newest such). */
export function findRequest(db: SqliteDatabase, key: string): (RequestLogRow & { requestBody: string | null; responseBody: string | null }) | null {
  const byId = /^[1-9]\d{0,15}$/.test(key) ? (db.prepare(`SELECT ${COLUMN_LIST} FROM "RequestLog" WHERE "id" = ?`).get(Number(key)) as Record<string, unknown> | undefined) : undefined;
  const stored =
    byId ??
    (db.prepare(`SELECT ${COLUMN_LIST} FROM "RequestLog" INDEXED BY "${CLIENT_REQUEST_ID_INDEX}" WHERE "clientRequestId" = ? ORDER BY "id" DESC LIMIT 1`).get(key) as
      | Record<string, unknown>
      | undefined);
  if (!stored) return null;
  const body = db.prepare(`SELECT "requestBody", "responseBody" FROM "RequestBody" WHERE "requestLogId" = ?`).get(stored.id) as
    | { requestBody: string | null; responseBody: string | null }
    | undefined;
  return { ...fromStoredRow(stored), requestBody: body?.requestBody ?? null, responseBody: body?.responseBody ?? null };
}
