import type { AlertDeliveryJson } from "@/components/hooks/api-types";
import { alertBadge } from "./delivery-text";

/** The alert's kind as a badge toned by its severity, or as resolved. */
export function AlertBadge({ row }: { row: Pick<AlertDeliveryJson, "kind" | "severity" | "resolved"> }) {
  const { tone, label } = alertBadge(row);
  return <span className={`badge tone-${tone}`}>{label}</span>;
}
