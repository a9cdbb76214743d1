import type { UsageReportJson } from "@/components/hooks/api-types";
import { clientFailures } from "@/lib/request-log/rollup";

/** A key's use over the last day and week, from /api/usage grouped by API key (the rollups, never the raw log). */
export interface KeyUsage {
  requests24h: number;
  tokens24h: number;
  errors24h: number;
  requests7d: number;
  tokens7d: number;
}

const noUse: KeyUsage = { requests24h: 0, tokens24h: 0, errors24h: 0, requests7d: 0, tokens7d: 0 };

type Totals = Pick<UsageReportJson, "totals">;

/** Each key's usage by id; a key that made no request in the week is absent (and shown as none). */
export function keyUsageById(day: Totals | undefined, week: Totals | undefined): Map<string, KeyUsage> {
  const usage = new Map<string, KeyUsage>();
  const entry = (id: string) => {
    let found = usage.get(id);
    if (!found) usage.set(id, (found = { ...noUse }));
    return found;
  };
  for (const total of week?.totals ?? []) {
    if (!total.group) continue;
    Object.assign(entry(total.group), { requests7d: total.requests, tokens7d: total.promptTokens + total.completionTokens });
  }
  for (const total of day?.totals ?? []) {
    if (!total.group) continue;
    Object.assign(entry(total.group), { requests24h: total.requests, tokens24h: total.promptTokens + total.completionTokens, errors24h: total.status4xx + clientFailures(total) });
  }
  return usage;
}
