import type { ApiKeyView, RoutingView } from "@/components/hooks/api-types";

export type ApiKeyStatus = ApiKeyView["status"];

/**
 * A key's status now. The server's `status` is as of the fetch; a key whose expiry passes while the page is open
 * must not keep reading "active".
 */
export function keyStatusAt(key: Pick<ApiKeyView, "status" | "revokedAt" | "expiresAt">, now: number): ApiKeyStatus {
  if (key.revokedAt !== null || key.status === "revoked") return "revoked";
  if (key.status === "expired") return "expired";
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now) return "expired";
  return "active";
}

export const statusTone: Record<ApiKeyStatus, "ok" | "bad" | "muted"> = { active: "ok", revoked: "bad", expired: "muted" };

/** "all" for a key without a model list (null or empty both mean every model). */
export function describeAllowedModels(allowedModels: readonly string[] | null): string {
  return allowedModels && allowedModels.length > 0 ? allowedModels.join(", ") : "all";
}

/** The names a key can be limited to: every model name of the routing table (routes, aliases, served names), once each. */
export function modelChoices(view: Pick<RoutingView, "table">): string[] {
  return [...new Set(view.table.map((row) => row.model))];
}
