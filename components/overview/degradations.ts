import type { LabStatus } from "@/components/hooks/api-types";
import type { ConnectionState } from "@/components/live/live-store";

export interface Degradation {
  id: string;
  severity: "error" | "warning" | "info";
  message: string;
}

/**
 * What the overview's banners say beside the health verdict (which covers serving: backends, client errors, failed
 * switches, the config and the runtime, from the server): the console is losing information (telemetry gone, log
 * rows dropped, the live stream cut) or the lab is exposed (auth open).
 */
export function findDegradations(status: LabStatus, connection: ConnectionState): Degradation[] {
  const found: Degradation[] = [];
  if (status.gpuTelemetry.state === "unavailable") {
    found.push({ id: "telemetry", severity: "warning", message: `GPU telemetry (${status.gpuTelemetry.source}) is unavailable${status.gpuTelemetry.reason ? `: ${status.gpuTelemetry.reason}` : ""}.` });
  }
  if (status.requestLog.dropped > 0) {
    found.push({
      id: "request-log",
      severity: "warning",
      message: `The request log dropped ${status.requestLog.dropped.toLocaleString("en-US")} row(s)${status.requestLog.lastError ? `: ${status.requestLog.lastError}` : ""}.`,
    });
  }
  if (connection === "reconnecting") {
    found.push({ id: "live", severity: "warning", message: "Live updates are disconnected; reconnecting (numbers may be stale)." });
  }
  if (status.auth === "open") {
    found.push({ id: "auth", severity: "warning", message: "Authentication is off (auth: open): anyone who can reach this gateway can use the lab." });
  }
  if (status.adminAccess?.open) {
    found.push({ id: "admin-open", severity: "warning", message: "The console and admin API are open to anyone who can reach them: set SWITCHYARD_ADMIN_PASSWORD or SWITCHYARD_ADMIN_TOKEN." });
  }
  return found;
}
