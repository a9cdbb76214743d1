import type { LabEventRow, ModeSwitchRow } from "@/components/hooks/api-types";

export interface LastRestart {
  at: string;
  by: string;
  status: string;
  reason: string;
}

/** The watchdog records why it restarts just before it asks for the restart. */
const WATCHDOG_EVENT_LEAD_MS = 60_000;

/** A backend's most recent restart and why: the watchdog's reason when it was the watchdog, else who asked. */
export function lastRestartOf(backendId: string, restarts: readonly ModeSwitchRow[], events: readonly LabEventRow[]): LastRestart | null {
  const restart = restarts.filter((r) => r.kind === "restart" && r.backendId === backendId).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))[0];
  if (!restart) return null;
  const startedAt = Date.parse(restart.startedAt);
  let reason = `requested from the ${restart.requestedBy}`;
  if (restart.requestedBy === "watchdog") {
    const cause = events
      .filter((e) => e.kind === "watchdog_restart" && e.backendId === backendId)
      .map((e) => ({ e, at: Date.parse(e.at) }))
      .filter(({ at }) => at <= startedAt + 5_000 && at >= startedAt - WATCHDOG_EVENT_LEAD_MS)
      .sort((a, b) => b.at - a.at)[0];
    reason = cause ? cause.e.message : "by the watchdog";
  }
  if (restart.error) reason += ` (${restart.status.replace(/_/g, " ")}: ${restart.error})`;
  return { at: restart.startedAt, by: restart.requestedBy, status: restart.status, reason };
}
