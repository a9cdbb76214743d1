import type { LabStatus } from "@/components/hooks/api-types";
import type { ConnectionState } from "@/components/live/live-store";
import { describeOperation } from "@/components/operations/operation-view";

export interface Degradation {
  id: string;
  severity: "error" | "warning" | "info";
  message: string;
}

/**
 * Everything an operator should notice on the overview, most serious first: the lab is serving less than it
 * should (a backend down, the config invalid, the runtime unreachable) or is losing information (telemetry gone,
 * log rows dropped, the live stream cut), or is exposed (auth open).
 */
export function findDegradations(status: LabStatus, connection: ConnectionState): Degradation[] {
  const found: Degradation[] = [];
  if (status.configError) {
    found.push({ id: "config", severity: "error", message: `The config file is invalid; the last good config stays in force. ${status.configError}` });
  }
  if (!status.runtime.reachable) {
    found.push({ id: "runtime", severity: "error", message: `The container runtime (${status.runtime.kind}) is unreachable${status.runtime.error ? `: ${status.runtime.error}` : ""}.` });
  }
  for (const backend of status.backends) {
    if (!backend.inCurrentMode || (backend.state !== "down" && backend.state !== "unhealthy")) continue;
    found.push({ id: `backend-${backend.id}`, severity: "error", message: `${backend.id} is ${backend.state}${backend.stateReason ? `: ${backend.stateReason}` : ""}.` });
  }
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
  if (status.operation) {
    found.push({ id: "operation", severity: "info", message: `${describeOperation(status.operation)} in progress.` });
  }
  return found;
}
