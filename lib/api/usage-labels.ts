import { CONSOLE_KEY_ID, CONSOLE_KEY_NAME } from "@/lib/auth/console-principal";
import type { PrismaClient } from "@/lib/db/client";
import { listApiKeys } from "@/lib/db/queries/api-keys";
import type { UsageReport } from "@/lib/db/request-log/usage";

/**
 * Names for the groups of a usage report that are ids: grouped by API key, each key id's name (revoked keys
 * included: their requests stay in the rollups) and the console playground's. Other dimensions are their own labels.
 */
export async function usageGroupLabels(report: UsageReport, db: PrismaClient): Promise<Record<string, string>> {
  if (report.groupBy !== "apiKeyId") return {};
  const ids = new Set(report.totals.map((total) => total.group).filter((group): group is string => Boolean(group)));
  if (ids.size === 0) return {};
  const labels: Record<string, string> = {};
  if (ids.has(CONSOLE_KEY_ID)) labels[CONSOLE_KEY_ID] = CONSOLE_KEY_NAME;
  for (const key of await listApiKeys(db)) if (ids.has(key.id)) labels[key.id] = key.name;
  return labels;
}
