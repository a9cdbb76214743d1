import type { PrismaClient } from "@/lib/db/client";
import { toDbTimestamp } from "@/lib/db/timestamps";

// Retention for append-only tables with an autoincrement id and an indexed "at" column. Deleting in chunks keeps
// each write transaction short, so the request-log writer's flushes never wait long for the lock.

export type TimestampedTable = "LabEvent" | "GpuSample" | "BackendSample" | "AlertDelivery" | "AuditEntry";

const CHUNK = 5_000;
const DAY_MS = 86_400_000;

/** The cutoff of a "keep maxAgeDays" policy; rows strictly older go. */
export function retentionCutoff(maxAgeDays: number, now: Date = new Date()): Date {
  if (!(maxAgeDays >= 0)) throw new RangeError(`maxAgeDays must be a number >= 0, got ${maxAgeDays}`);
  return new Date(now.getTime() - maxAgeDays * DAY_MS);
}

/** Deletes the rows of `table` whose "at" is before `cutoff`; returns how many. */
export async function deleteOlderThan(prisma: PrismaClient, table: TimestampedTable, cutoff: Date): Promise<number> {
  const at = toDbTimestamp(cutoff);
  // The table name comes from a closed union, never from input, so interpolating it is safe.
  const sql =
    `DELETE FROM "${table}" WHERE "id" IN ` +
    `(SELECT "id" FROM "${table}" WHERE "at" < ? ORDER BY "at" LIMIT ${CHUNK})`;
  let total = 0;
  for (;;) {
    const deleted = await prisma.$executeRawUnsafe(sql, at);
    total += deleted;
    if (deleted < CHUNK) return total;
    await new Promise((resolve) => setImmediate(resolve)); // let queued work (and the log writer) run between chunks
  }
}
