import type { RequestRecord } from "@/lib/request-log/record";

/**
 * The compatibility rules (gateway.compat) that acted on a request, recorded in its log row's `compat` column as a
 * comma-separated list, so an operator can see why a client's request was changed.
 */
export function noteCompat(record: Pick<RequestRecord, "compat">, rule: string): void {
  const applied = record.compat ? record.compat.split(",") : [];
  if (!applied.includes(rule)) record.compat = [...applied, rule].join(",");
}
