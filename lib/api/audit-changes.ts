import type { Switchyard } from "@/lib/app/switchyard";
import type { AdminIdentity } from "@/lib/auth/admin";
import { auditActor, recordAudit } from "@/lib/audit/record";
import { describeKeySettingsChange, type KeySettingsChange } from "./key-changes";

// The audit entries of the admin API's non-config changes (keys, mode switches, restarts), written by their
// handlers once the change has been made. Config edits are recorded by lib/api/routing.ts.

/** The key's admin view (lib/api/keys.ts): never the key or its hash. */
type KeyFacts = { name: string; prefix: string };

interface HandlerContext {
  request: Request;
  switchyard: Switchyard;
  admin: AdminIdentity | null;
}

const actorOf = ({ request, switchyard, admin }: HandlerContext) => auditActor(request, admin, switchyard.config().server.trustProxy);

/** The key as the trail keeps it: its view (never the key or its hash). */
export async function recordKeyChange(context: HandlerContext, action: "created" | "revoked", before: KeyFacts | null, after: KeyFacts): Promise<void> {
  const target = `${after.name} (${after.prefix}…)`;
  await recordAudit(context.switchyard, actorOf(context), [{ kind: "key", action, target, summary: `key ${target} ${action}`, before, after }]);
}

/** An edit of a key's settings: before and after hold exactly the fields that changed. */
export async function recordKeyUpdate(context: HandlerContext, key: KeyFacts, change: KeySettingsChange): Promise<void> {
  const target = `${key.name} (${key.prefix}…)`;
  const summary = `key ${target} updated: ${describeKeySettingsChange(change)}`;
  await recordAudit(context.switchyard, actorOf(context), [{ kind: "key", action: "updated", target, summary, before: change.before, after: change.after }]);
}

export async function recordModeRequest(
  context: HandlerContext,
  action: "switch_requested" | "restart_requested",
  target: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  const summary = action === "switch_requested" ? `switch to mode ${target} requested${before ? ` (from ${(before as { mode: string }).mode})` : ""}` : `restart of ${target} requested`;
  await recordAudit(context.switchyard, actorOf(context), [{ kind: "mode", action, target, summary, before, after }]);
}
