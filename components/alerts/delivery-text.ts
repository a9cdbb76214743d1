import type { AlertDeliveryJson, AlertTestResult } from "@/components/hooks/api-types";

/** The alert's badge: its kind, toned by severity; a resolved notice says so, in the good tone. */
export function alertBadge(row: Pick<AlertDeliveryJson, "kind" | "severity" | "resolved">): { tone: "ok" | "info" | "warn" | "bad"; label: string } {
  const kind = row.kind.replace(/_/g, " ");
  if (row.resolved) return { tone: "ok", label: `${kind} · resolved` };
  return { tone: row.severity === "error" ? "bad" : row.severity === "warning" ? "warn" : "info", label: kind };
}

/** The tone of a delivery's status badge: delivered is fine, a failure that will be retried is a warning. */
export function deliveryTone(row: Pick<AlertDeliveryJson, "status" | "willRetry">): "ok" | "warn" | "bad" {
  if (row.status === "delivered") return "ok";
  return row.status === "failed" && row.willRetry ? "warn" : "bad";
}

/** A delivery's status as words: "failed, will retry", "dropped". */
export function deliveryLabel(row: Pick<AlertDeliveryJson, "status" | "willRetry">): string {
  return row.status === "failed" && row.willRetry ? "failed, will retry" : row.status;
}

/** The answer to "Send a test", in one line. */
export function testResultText(result: AlertTestResult): string {
  const took = result.durationMs === null ? "" : ` in ${result.durationMs} ms`;
  if (result.status === "delivered") return `Delivered (HTTP ${result.httpStatus ?? "?"})${took}`;
  return `Failed${took}: ${result.error ?? "no reason given"}`;
}
