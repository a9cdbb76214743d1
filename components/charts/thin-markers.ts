import { formatDuration } from "@/components/ui/format";
import type { ChartMarker } from "./chart-markers";

/**
 * A chart of a month in a busy lab can hold hundreds of switches and crashes: drawn side by side they are a smear, and
 * the ones that matter get lost. Beyond `MARKER_SLOTS` markers, the range is cut into that many equal slots (a few
 * pixels each on a chart of the GPU page) and each slot draws its most severe marker only: a crash before a failed
 * operation before a restart before a mode switch, the newest among equals. The tooltip still names every marker at
 * the hovered time, and the caption says how many were left out.
 */
export const MARKER_SLOTS = 60;

export interface ThinnedMarkers {
  drawn: ChartMarker[];
  /** How many markers are not drawn. */
  hidden: number;
  /** The slot's length when thinned, else null. */
  slotMs: number | null;
}

export function severity(marker: Pick<ChartMarker, "kind" | "bad">): number {
  if (marker.kind === "crash") return 3;
  if (marker.bad) return 2;
  return marker.kind === "restart" ? 1 : 0;
}

export function thinMarkers(markers: readonly ChartMarker[], [from, to]: readonly [number, number], slots: number = MARKER_SLOTS): ThinnedMarkers {
  if (markers.length <= slots || !(to > from)) return { drawn: [...markers], hidden: 0, slotMs: null };
  const slotMs = (to - from) / slots;
  const kept = new Map<number, ChartMarker>();
  for (const marker of markers) {
    const slot = Math.min(slots - 1, Math.max(0, Math.floor((marker.from - from) / slotMs)));
    const current = kept.get(slot);
    if (!current || severity(marker) > severity(current) || (severity(marker) === severity(current) && marker.from >= current.from)) kept.set(slot, marker);
  }
  const drawn = [...kept.values()].sort((a, b) => a.from - b.from || a.id.localeCompare(b.id));
  return { drawn, hidden: markers.length - drawn.length, slotMs };
}

/** For the caption: "40 of 412 drawn, the most severe per 24 min". Empty when nothing was left out. */
export function thinningNote({ drawn, hidden, slotMs }: ThinnedMarkers): string {
  if (hidden === 0 || slotMs === null) return "";
  return `${drawn.length} of ${drawn.length + hidden} drawn, the most severe per ${formatDuration(slotMs)}`;
}
