import { z } from "zod";
import { AUDIT_KINDS, listAuditEntries, type AuditAction, type AuditEntry, type AuditKind } from "@/lib/db/queries/audit-entries";
import type { Page } from "@/lib/db/queries/keyset-cursor";
import { apiRoute } from "./route";

/** An audit entry as the browser receives it: the time as ISO text, before/after as the values they were. */
export type AuditEntryJson = Omit<AuditEntry, "at" | "kind" | "action" | "before" | "after"> & {
  at: string;
  kind: AuditKind;
  action: AuditAction;
  before: unknown;
  after: unknown;
};

const parsed = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));

function toJson(row: AuditEntry): AuditEntryJson {
  return { ...row, at: row.at.toISOString(), kind: row.kind as AuditKind, action: row.action as AuditAction, before: parsed(row.before), after: parsed(row.after) };
}

const auditQuery = z.object({
  kind: z.enum(AUDIT_KINDS).optional(),
  target: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

/** GET /api/audit?kind=&target=&limit=&cursor=: who changed routes, limits, keys and modes, newest first. */
export const listAudit = apiRoute({ query: auditQuery }, async ({ switchyard, query }): Promise<Page<AuditEntryJson>> => {
  const page = await listAuditEntries(query, switchyard.db);
  return { rows: page.rows.map(toJson), nextCursor: page.nextCursor };
});
