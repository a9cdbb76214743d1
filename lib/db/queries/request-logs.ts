import type { PrismaClient } from "@/lib/db/client";
import type { Prisma, RequestLog } from "@/lib/db/generated/prisma/client";
import { toDbTimestamp } from "@/lib/db/timestamps";
import { REQUEST_LOG_LIST_COLUMNS, type RequestLogListField, type RequestLogOutcome, type RequestRecord } from "@/lib/request-log/record";
import { keysetPage, type Page } from "./keyset-cursor";

export type { RequestLog };

export const DEFAULT_REQUEST_LOG_PAGE_SIZE = 50;
export const MAX_REQUEST_LOG_PAGE_SIZE = 500;

export type RequestLogFilters = {
  /** receivedAt >= from */
  from?: Date;
  /** receivedAt < to (half-open, so consecutive windows never count a row twice) */
  to?: Date;
  /** The model name the client asked for. */
  model?: string;
  backend?: string;
  outcome?: RequestLogOutcome | RequestLogOutcome[];
  status?: number | number[];
  stream?: boolean;
  clientAddress?: string;
  /** Substring of the error message or code (case-insensitive for ASCII, as SQLite's LIKE). */
  errorText?: string;
};

export type ListRequestLogsParams = {
  limit?: number;
  /** The nextCursor of the previous page; omit for the newest rows. */
  cursor?: string | null;
  filters?: RequestLogFilters;
};

export type RequestLogPage = Page<RequestLog>;

const oneOrMany = <T>(value: T | T[]) => (Array.isArray(value) ? { in: value } : value);

function whereForFilters(filters: RequestLogFilters): Prisma.RequestLogWhereInput[] {
  const where: Prisma.RequestLogWhereInput[] = [];
  if (filters.from) where.push({ receivedAt: { gte: filters.from } });
  if (filters.to) where.push({ receivedAt: { lt: filters.to } });
  if (filters.model !== undefined) where.push({ requestedModel: filters.model });
  if (filters.backend !== undefined) where.push({ backend: filters.backend });
  if (filters.outcome !== undefined) where.push({ outcome: oneOrMany<string>(filters.outcome) });
  if (filters.status !== undefined) where.push({ status: oneOrMany(filters.status) });
  if (filters.stream !== undefined) where.push({ stream: filters.stream });
  if (filters.clientAddress !== undefined) where.push({ clientAddress: filters.clientAddress });
  if (filters.errorText) {
    where.push({ OR: [{ errorMessage: { contains: filters.errorText } }, { errorCode: { contains: filters.errorText } }] });
  }
  return where;
}

const pageKeys = (params: ListRequestLogsParams) =>
  ({
    at: "receivedAt",
    idType: "string",
    cursor: params.cursor,
    limit: params.limit,
    maxLimit: MAX_REQUEST_LOG_PAGE_SIZE,
    defaultLimit: DEFAULT_REQUEST_LOG_PAGE_SIZE,
  }) as const;

/** Newest first, keyset-paginated on (receivedAt desc, id desc): stable while new rows keep arriving. Every column. */
export async function listRequestLogs(
  params: ListRequestLogsParams = {},
  prisma: PrismaClient,
): Promise<RequestLogPage> {
  return keysetPage(pageKeys(params), whereForFilters(params.filters ?? {}), (query) => prisma.requestLog.findMany(query));
}

/** The list projection: every column but the captured bodies (large and private; the detail view shows them). */
const listSelect = Object.fromEntries(REQUEST_LOG_LIST_COLUMNS.map((column) => [column, true])) as {
  [K in RequestLogListField]: true;
} satisfies Prisma.RequestLogSelect;

export type RequestLogListRow = Prisma.RequestLogGetPayload<{ select: typeof listSelect }>;

/** As listRequestLogs, without the captured bodies (the CSV export). */
export async function listRequestLogRows(params: ListRequestLogsParams = {}, prisma: PrismaClient): Promise<Page<RequestLogListRow>> {
  return keysetPage(pageKeys(params), whereForFilters(params.filters ?? {}), (query) =>
    prisma.requestLog.findMany({ ...query, select: listSelect }),
  );
}

// The field table (lib/request-log/record.ts) and the Prisma model describe the same row: the same fields, and each
// record value fits its column and the reverse (the column's outcome is any string). A field added to one only fails here.
type SameFields<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
type Fits<A, B> = [A] extends [B] ? true : false;
type Assert<Checks extends true[]> = Checks;
type _RequestLogTableMatchesSchema = Assert<
  [SameFields<RequestLog, RequestRecord>, Fits<RequestRecord, RequestLog>, Fits<Omit<RequestLog, "outcome">, Omit<RequestRecord, "outcome">>]
>;

export async function getRequestLog(id: string, prisma: PrismaClient): Promise<RequestLog | null> {
  return prisma.requestLog.findUnique({ where: { id } });
}

/**
 * Rows still "open" belong to requests the previous process never finished. Call once at start-up,
 * before the request-log writer records anything, or live requests would be marked too.
 */
export async function markInterruptedRequestLogs(prisma: PrismaClient): Promise<number> {
  const result = await prisma.requestLog.updateMany({
    where: { outcome: "open" },
    data: { outcome: "interrupted" },
  });
  return result.count;
}

export type RequestLogRetention = {
  /** Rows received longer ago than this are deleted. */
  maxAgeDays?: number;
  /** Only the newest maxRows rows are kept. */
  maxRows?: number;
  /** Defaults to the current time; tests pin it. */
  now?: Date;
};

// Deleting in chunks keeps each write transaction short, so the log writer's flushes never wait long for the lock.
const RETENTION_CHUNK = 5_000;

async function deleteInChunks(prisma: PrismaClient, deleteChunk: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteChunk();
    total += deleted;
    if (deleted < RETENTION_CHUNK) return total;
    await new Promise((resolve) => setImmediate(resolve)); // let queued work (and the writer) run between chunks
  }
}

/** Deletes rows beyond the age and count limits; returns how many were deleted. */
export async function applyRequestLogRetention(
  retention: RequestLogRetention,
  prisma: PrismaClient,
): Promise<number> {
  let deleted = 0;
  if (retention.maxAgeDays !== undefined) {
    const now = retention.now ?? new Date();
    const cutoff = toDbTimestamp(new Date(now.getTime() - retention.maxAgeDays * 86_400_000));
    deleted += await deleteInChunks(
      prisma,
      () => prisma.$executeRaw`
        DELETE FROM "RequestLog" WHERE "id" IN (
          SELECT "id" FROM "RequestLog" WHERE "receivedAt" < ${cutoff} ORDER BY "receivedAt" LIMIT ${RETENTION_CHUNK}
        )`,
    );
  }
  if (retention.maxRows !== undefined) {
    const maxRows = Math.max(0, Math.floor(retention.maxRows));
    // The newest row that no longer fits: it and everything older (in keyset order) goes.
    const firstExcess = await prisma.requestLog.findFirst({
      orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
      skip: maxRows,
      select: { receivedAt: true, id: true },
    });
    if (firstExcess) {
      const at = toDbTimestamp(firstExcess.receivedAt);
      deleted += await deleteInChunks(
        prisma,
        () => prisma.$executeRaw`
          DELETE FROM "RequestLog" WHERE "id" IN (
            SELECT "id" FROM "RequestLog"
            WHERE "receivedAt" < ${at} OR ("receivedAt" = ${at} AND "id" <= ${firstExcess.id})
            ORDER BY "receivedAt" LIMIT ${RETENTION_CHUNK}
          )`,
      );
    }
  }
  return deleted;
}
