import type { ChartMarker, ChartMarkerKind } from "./chart-markers";

/** How each kind of marker looks, and the words for it, shared by the charts and the page's marker legend. */

export const MARKER_KIND_LABEL: Record<ChartMarkerKind, { one: string; many: string }> = {
  switch: { one: "mode switch", many: "mode switches" },
  restart: { one: "restart", many: "restarts" },
  crash: { one: "crash", many: "crashes" },
};

export function markerColor(marker: Pick<ChartMarker, "kind" | "bad">): string {
  if (marker.kind === "crash" || marker.bad) return "var(--bad)";
  return marker.kind === "switch" ? "var(--info)" : "var(--warn)";
}

/**
 * The markers near a hovered time: within `toleranceMs` (one display bucket) either side, since the tooltip snaps
 * to a bucket's start and a crash or a 2-second switch rarely falls exactly on one.
 */
export function markersAt(markers: readonly ChartMarker[], t: number, toleranceMs: number): ChartMarker[] {
  return markers.filter((m) => m.from <= t + toleranceMs && m.to >= t - toleranceMs);
}

/** "1 mode switch, 2 restarts" for a chart's caption. */
export function markerSummary(markers: readonly ChartMarker[]): string {
  const counts = new Map<ChartMarkerKind, number>();
  for (const m of markers) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
  return [...counts.entries()].map(([kind, n]) => `${n} ${n === 1 ? MARKER_KIND_LABEL[kind].one : MARKER_KIND_LABEL[kind].many}`).join(", ");
}
