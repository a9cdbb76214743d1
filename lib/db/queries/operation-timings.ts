import type { PrismaClient } from "@/lib/db/client";
import type { OperationTiming } from "@/lib/db/generated/prisma/client";

// Measured durations of lab operations (lib/lab/estimates.ts keeps the recent ones in memory for the estimates).

export type { OperationTiming };

export type OperationTimingInput = Omit<OperationTiming, "id">;

export async function insertOperationTimings(rows: OperationTimingInput[], prisma: PrismaClient): Promise<void> {
  if (rows.length > 0) await prisma.operationTiming.createMany({ data: rows });
}

/** The newest `limit` timings, oldest first (the order they happened in). */
export async function listRecentOperationTimings(limit: number, prisma: PrismaClient): Promise<OperationTiming[]> {
  const newest = await prisma.operationTiming.findMany({ orderBy: [{ at: "desc" }, { id: "desc" }], take: limit });
  return newest.reverse();
}

/** Keeps the newest `keep` timings and deletes the rest; returns how many went. */
export async function pruneOperationTimings(keep: number, prisma: PrismaClient): Promise<number> {
  const boundary = await prisma.operationTiming.findFirst({ orderBy: { id: "desc" }, skip: keep, select: { id: true } });
  if (!boundary) return 0;
  const { count } = await prisma.operationTiming.deleteMany({ where: { id: { lte: boundary.id } } });
  return count;
}
