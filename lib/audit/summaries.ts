import type { ConfigChange } from "@/lib/config/edits";
import type { AuditChange } from "./record";

/** Config edits (lib/config/edits.ts) as audit changes, each with its one-line summary. */

function describeRoute(route: unknown): string {
  if (Array.isArray(route)) return route.join(", ");
  if (route && typeof route === "object" && "auto" in route) {
    const auto = (route as { auto: Record<string, unknown> }).auto;
    return `auto (fast: ${String(auto.fast)}, deep: ${String(auto.deep)}, long prompt ${String(auto.longPromptTokens)} tokens, spill at ${String(auto.spillQueueDepth)})`;
  }
  return JSON.stringify(route);
}

function describeLimits(before: unknown, after: unknown): string {
  const old = (before ?? {}) as Record<string, unknown>;
  const next = (after ?? {}) as Record<string, unknown>;
  return Object.keys(next)
    .filter((key) => old[key] !== next[key])
    .map((key) => `${key} ${String(old[key] ?? "—")} → ${String(next[key])}`)
    .join(", ");
}

export function configChangeToAudit(change: ConfigChange): AuditChange {
  let summary: string;
  if (change.kind === "limit") summary = `limits of ${change.target}: ${describeLimits(change.before, change.after)}`;
  else if (change.action === "created") summary = `route ${change.target} created: ${describeRoute(change.after)}`;
  else if (change.action === "deleted") summary = `route ${change.target} deleted (was ${describeRoute(change.before)})`;
  else summary = `route ${change.target}: ${describeRoute(change.before)} → ${describeRoute(change.after)}`;
  return { kind: change.kind, action: change.action, target: change.target, summary, before: change.before, after: change.after, beforeYaml: change.beforeYaml, afterYaml: change.afterYaml };
}
