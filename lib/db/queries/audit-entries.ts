import type { PrismaClient } from "@/lib/db/client";
import type { AuditEntry, Prisma } from "@/lib/db/generated/prisma/client";
import { deleteOlderThan, retentionCutoff } from "@/lib/db/queries/delete-older-than";
import { keysetPage, type Page } from "@/lib/db/queries/keyset-cursor";

// The audit trail (lib/audit): changes made through the admin API, newest first.

export type { AuditEntry };

export const AUDIT_KINDS = ["route", "limit", "key", "mode"] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
export type AuditAction = "created" | "updated" | "deleted" | "revoked" | "switch_requested" | "restart_requested";

export const MAX_AUDIT_PAGE_SIZE = 200;

export type CreateAuditEntryInput = Omit<AuditEntry, "id" | "before" | "after"> & { before: unknown; after: unknown };

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** Writes the entries of one change in one transaction, in order; returns them with their ids. */
export async function createAuditEntries(entries: readonly CreateAuditEntryInput[], prisma: PrismaClient): Promise<AuditEntry[]> {
  return prisma.$transaction(entries.map((entry) => prisma.auditEntry.create({ data: { ...entry, before: json(entry.before), after: json(entry.after) } })));
}

export type ListAuditEntriesParams = {
  kind?: AuditKind;
  target?: string;
  limit?: number;
  /** The nextCursor of the previous page; omit for the newest entries. */
  cursor?: string | null;
};

/** Newest first, keyset-paginated on (at desc, id desc); `kind` walks the (kind, at) index. */
export async function listAuditEntries(params: ListAuditEntriesParams, prisma: PrismaClient): Promise<Page<AuditEntry>> {
  const where: Prisma.AuditEntryWhereInput[] = [];
  if (params.kind !== undefined) where.push({ kind: params.kind });
  if (params.target !== undefined) where.push({ target: params.target });
  const keys = { at: "at", idType: "number", cursor: params.cursor, limit: params.limit, maxLimit: MAX_AUDIT_PAGE_SIZE } as const;
  return keysetPage(keys, where, (query) => prisma.auditEntry.findMany(query));
}

/** Deletes entries older than the age limit (`audit.retentionDays`); returns how many were deleted. */
export async function applyAuditEntryRetention(retention: { maxAgeDays: number; now?: Date }, prisma: PrismaClient): Promise<number> {
  return deleteOlderThan(prisma, "AuditEntry", retentionCutoff(retention.maxAgeDays, retention.now));
}
