import type { PrismaClient } from "@/lib/db/client";
import { clientFailures } from "@/lib/request-log/rollup";

/**
 * Finished requests and failures per minute of the request log's rollups, from the minute that holds `from` on: 5xx
 * answers and streams cut after their 200 (`failedStreams`), the two ways a request fails the client.
 */
export async function requestsAndErrorsPerMinute(from: Date, prisma: PrismaClient): Promise<{ minute: Date; requests: number; failed: number }[]> {
  const firstMinute = new Date(Math.floor(from.getTime() / 60_000) * 60_000);
  const rows = await prisma.requestRollup.groupBy({
    by: ["minute"],
    where: { minute: { gte: firstMinute } },
    _sum: { requests: true, status5xx: true, failedStreams: true },
    orderBy: { minute: "asc" },
  });
  return rows.map((row) => ({ minute: row.minute, requests: row._sum.requests ?? 0, failed: clientFailures({ status5xx: row._sum.status5xx ?? 0, failedStreams: row._sum.failedStreams ?? 0 }) }));
}
