import type { AdminIdentity } from "@/lib/auth/admin";
import { clientAddressOf } from "@/lib/auth/request-facts";
import type { PrismaClient } from "@/lib/db/client";
import { createAuditEntries, type AuditAction, type AuditEntry, type AuditKind } from "@/lib/db/queries/audit-entries";
import type { EventBus } from "@/lib/events/bus";

/** Who made a change, as the audit trail keeps it. */
export interface AuditActor {
  actorVia: AdminIdentity["via"];
  actorSession: string | null;
  actorAddress: string | null;
  actorUserAgent: string | null;
  actorClient: "console" | "api";
}

/** What changed: one route, one backend's limits, one key, one mode request. */
export interface AuditChange {
  kind: AuditKind;
  action: AuditAction;
  target: string;
  summary: string;
  before: unknown;
  after: unknown;
  beforeYaml?: string | null;
  afterYaml?: string | null;
}

/** How much of a session's id the trail keeps: enough to tell sessions apart, too little to be the session. */
const SESSION_PREFIX_LENGTH = 12;

export function auditActor(request: Request, admin: AdminIdentity | null, trustProxy: readonly string[]): AuditActor {
  return {
    actorVia: admin?.via ?? "open",
    actorSession: admin?.sessionId ? admin.sessionId.slice(0, SESSION_PREFIX_LENGTH) : null,
    actorAddress: clientAddressOf(request, trustProxy),
    actorUserAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null,
    actorClient: request.headers.get("x-switchyard-client") === "console" ? "console" : "api",
  };
}

/**
 * Writes the changes of one request to the trail and announces each on the bus (`audit`), so the console's audit
 * view updates live. The change itself has already happened: a failure to record is logged, not thrown, so a full
 * disk cannot make a successful edit look failed (and be retried).
 */
export async function recordAudit(deps: { db: PrismaClient; bus: EventBus }, actor: AuditActor, changes: readonly AuditChange[], at = new Date()): Promise<AuditEntry[]> {
  if (changes.length === 0) return [];
  try {
    const rows = await createAuditEntries(
      changes.map((change) => ({ at, ...actor, ...change, beforeYaml: change.beforeYaml ?? null, afterYaml: change.afterYaml ?? null })),
      deps.db,
    );
    for (const row of rows) deps.bus.publish("audit", { id: row.id, at: row.at.toISOString(), kind: row.kind, action: row.action, target: row.target, summary: row.summary });
    return rows;
  } catch (error) {
    console.error("[audit] could not record a change", changes.map((change) => change.summary), error);
    return [];
  }
}
