import type { PrismaClient } from "@/lib/db/client";
import type { AlertDelivery, Prisma } from "@/lib/db/generated/prisma/client";
import { deleteOlderThan, retentionCutoff } from "@/lib/db/queries/delete-older-than";
import { keysetPage, type Page } from "@/lib/db/queries/keyset-cursor";

// Every attempt to deliver an alert to a webhook, and every alert dropped from a full queue (lib/alerts).

export type { AlertDelivery };

export type AlertDeliveryStatus = "delivered" | "failed" | "dropped";

/** `subject` may be left out (rows written before it existed have none). */
export type CreateAlertDeliveryInput = Omit<AlertDelivery, "id" | "subject"> & { subject?: string | null };

export const MAX_ALERT_DELIVERY_PAGE_SIZE = 200;

export async function createAlertDelivery(input: CreateAlertDeliveryInput, prisma: PrismaClient): Promise<AlertDelivery> {
  return prisma.alertDelivery.create({ data: input });
}

export type ListAlertDeliveriesParams = {
  webhook?: string;
  status?: AlertDeliveryStatus;
  limit?: number;
  /** The nextCursor of the previous page; omit for the newest deliveries. */
  cursor?: string | null;
};

/** Newest first, keyset-paginated on (at desc, id desc). */
export async function listAlertDeliveries(params: ListAlertDeliveriesParams, prisma: PrismaClient): Promise<Page<AlertDelivery>> {
  const where: Prisma.AlertDeliveryWhereInput[] = [];
  if (params.webhook !== undefined) where.push({ webhook: params.webhook });
  if (params.status !== undefined) where.push({ status: params.status });
  const keys = { at: "at", idType: "number", cursor: params.cursor, limit: params.limit, maxLimit: MAX_ALERT_DELIVERY_PAGE_SIZE } as const;
  return keysetPage(keys, where, (query) => prisma.alertDelivery.findMany(query));
}

/** What the alerts need back after a restart: one row per alert and webhook attempt since `since`, newest first, at most `limit`. */
export async function listAlertDeliveriesSince(since: Date, limit: number, prisma: PrismaClient) {
  return prisma.alertDelivery.findMany({
    where: { at: { gte: since } },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: limit,
    select: { at: true, alertId: true, kind: true, severity: true, resolved: true, subject: true, backendId: true, title: true, message: true },
  });
}

/** Deletes delivery records older than the age limit; returns how many were deleted. */
export async function applyAlertDeliveryRetention(retention: { maxAgeDays: number; now?: Date }, prisma: PrismaClient): Promise<number> {
  return deleteOlderThan(prisma, "AlertDelivery", retentionCutoff(retention.maxAgeDays, retention.now));
}
