import type { PrismaClient } from "@/lib/db/client";
import type { Prisma, RequestLog } from "@/lib/db/generated/prisma/client";
import type { RequestLogOutcome } from "@/lib/db/request-log-writer";
import { toDbTimestamp } from "@/lib/db/timestamps";
import { decodeKeysetCursor, encodeKeysetCursor } from "./keyset-cursor";

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

export type RequestLogPage = { rows: RequestLog[]; nextCursor: string | null };

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

/** Newest first, keyset-paginated on (receivedAt desc, id desc): stable while new rows keep arriving. */
export async function listRequestLogs(
  params: ListRequestLogsParams = {},
  prisma: PrismaClient,
): Promise<RequestLogPage> {
  const limit = Math.min(Math.max(Math.floor(params.limit ?? DEFAULT_REQUEST_LOG_PAGE_SIZE), 1), MAX_REQUEST_LOG_PAGE_SIZE);
  const where = whereForFilters(params.filters ?? {});
  if (params.cursor) {
    const position = decodeKeysetCursor(params.cursor, "string");
    const after = { receivedAt: position.at, id: position.id };
    where.push({
      OR: [{ receivedAt: { lt: after.receivedAt } }, { receivedAt: after.receivedAt, id: { lt: after.id } }],
    });
  }
  const rows = await prisma.requestLog.findMany({
    where: { AND: where },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { rows: page, nextCursor: hasMore && last ? encodeKeysetCursor({ at: last.receivedAt, id: last.id }) : null };
}

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
