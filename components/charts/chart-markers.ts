import type { LabEventJson, ModeSwitchSummaryJson } from "@/components/hooks/api-types";

/**
 * What happened to the lab, as marks on a time chart: a mode switch is an area (start..end), a restart is an area
 * too (its containers were down for that long), a crash (container exit, OOM) is an instant. Pure, so tested
 * without a browser; the chart only draws what this returns.
 */

export type ChartMarkerKind = "switch" | "restart" | "crash";

export interface ChartMarker {
  /** Stable across refetches (the operation's id, or the event's). */
  id: string;
  kind: ChartMarkerKind;
  /** Clipped to the chart's domain. */
  from: number;
  /** Equal to `from` for an instant. */
  to: number;
  /** One line for the legend and tooltip: what, with the result or the reason. */
  label: string;
  /** The backend it concerns; null for a mode switch (it concerns every chart). */
  backendId: string | null;
  /** Failed, rolled back, interrupted, or a crash. */
  bad: boolean;
}

/** Crashes: a container of the current mode exited or was OOM-killed outside a lab operation. */
const CRASH_KINDS = new Set(["container_exit", "oom"]);
/** A watchdog restart's reason is recorded as a lab event just before the operation starts. */
const REASON_WINDOW_MS = 5_000;

export function chartMarkers({
  operations,
  events,
  domain: [from, to],
  backendIds,
  now,
}: {
  operations: readonly ModeSwitchSummaryJson[];
  events: readonly LabEventJson[];
  domain: readonly [number, number];
  /** Only markers of these backends (plus every mode switch); undefined for all. */
  backendIds?: readonly string[];
  /** The end of a still-running operation. */
  now: number;
}): ChartMarker[] {
  const concerns = (backendId: string | null) => backendId === null || backendIds === undefined || backendIds.includes(backendId);
  const markers: ChartMarker[] = [];

  for (const op of operations) {
    const start = Date.parse(op.startedAt);
    const end = op.finishedAt ? Date.parse(op.finishedAt) : now;
    if (!Number.isFinite(start) || end < from || start > to) continue;
    const backendId = op.kind === "restart" ? op.backendId : null;
    if (!concerns(backendId)) continue;
    const result = op.status === "succeeded" ? "succeeded" : op.status === "running" ? "running" : `${op.status.replace(/_/g, " ")}${op.error ? `: ${op.error}` : ""}`;
    const label =
      op.kind === "mode_switch"
        ? `switch ${op.fromMode ?? "none"} → ${op.toMode ?? "none"} (${result})`
        : `restart ${op.backendId ?? "?"}: ${restartReason(op, start, events)} (${result})`;
    markers.push({ id: `op-${op.id}`, kind: op.kind === "mode_switch" ? "switch" : "restart", from: Math.max(start, from), to: Math.min(end, to), label, backendId, bad: !["succeeded", "running"].includes(op.status) });
  }

  for (const event of events) {
    if (!CRASH_KINDS.has(event.kind)) continue;
    const at = Date.parse(event.at);
    if (!Number.isFinite(at) || at < from || at > to || !concerns(event.backendId)) continue;
    markers.push({ id: `event-${event.id}`, kind: "crash", from: at, to: at, label: `${event.kind === "oom" ? "OOM" : "crash"}: ${event.message}`, backendId: event.backendId, bad: true });
  }

  return markers.sort((a, b) => a.from - b.from || a.id.localeCompare(b.id));
}

/** The watchdog's reason when it asked for this restart, otherwise who asked. */
function restartReason(op: ModeSwitchSummaryJson, start: number, events: readonly LabEventJson[]): string {
  const watchdog = events.find((e) => e.kind === "watchdog_restart" && e.backendId === op.backendId && Math.abs(Date.parse(e.at) - start) <= REASON_WINDOW_MS);
  if (watchdog) return watchdog.message;
  return `requested by ${op.requestedBy}`;
}
