import type { ModeSwitchRow } from "@/components/hooks/api-types";

export interface LastRestart {
  at: string;
  by: string;
  status: string;
  reason: string;
}

/** Why a restart was started, in words: the reason recorded with it (the watchdog gives one), else who asked. */
export function restartReasonOf(restart: Pick<ModeSwitchRow, "requestedBy" | "reason">): string {
  if (restart.reason) return `${restart.requestedBy}: ${restart.reason}`;
  return restart.requestedBy === "watchdog" ? "by the watchdog" : `requested from the ${restart.requestedBy}`;
}

/** A backend's most recent restart and why, from the recorded restarts. */
export function lastRestartOf(backendId: string, restarts: readonly ModeSwitchRow[]): LastRestart | null {
  const restart = restarts.filter((r) => r.kind === "restart" && r.backendId === backendId).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))[0];
  if (!restart) return null;
  let reason = restartReasonOf(restart);
  if (restart.error) reason += ` (${restart.status.replace(/_/g, " ")}: ${restart.error})`;
  return { at: restart.startedAt, by: restart.requestedBy, status: restart.status, reason };
}
