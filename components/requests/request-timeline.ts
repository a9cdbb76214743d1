import type { RequestLogRow } from "@/components/hooks/api-types";

/**
 * A request's timings as a small waterfall: queued in Switchyard (waiting for a mode switch or a free slot), then
 * waiting for the first token, then generating until the end. Non-streamed requests have no first-token time, so
 * everything after the queue is one "upstream" bar.
 */
export interface TimelineSegment {
  kind: "queued" | "waiting" | "generating" | "upstream";
  label: string;
  startMs: number;
  endMs: number;
  /** Position and size in % of the whole request, for CSS. */
  leftPct: number;
  widthPct: number;
}

export interface RequestTimeline {
  totalMs: number | null;
  segments: TimelineSegment[];
}

export function requestTimeline(row: Pick<RequestLogRow, "queueMs" | "ttftMs" | "durationMs">): RequestTimeline {
  const total = row.durationMs;
  if (total === null || total <= 0) return { totalMs: total, segments: [] };
  const clamp = (ms: number) => Math.min(Math.max(ms, 0), total);
  const queued = clamp(row.queueMs ?? 0);
  const segment = (kind: TimelineSegment["kind"], label: string, start: number, end: number): TimelineSegment => ({
    kind,
    label,
    startMs: start,
    endMs: end,
    leftPct: (start / total) * 100,
    widthPct: ((end - start) / total) * 100,
  });
  const segments: TimelineSegment[] = [];
  if (queued > 0) segments.push(segment("queued", "Queued", 0, queued));
  if (row.ttftMs !== null) {
    const firstToken = clamp(Math.max(row.ttftMs, queued));
    segments.push(segment("waiting", "To first token", queued, firstToken));
    segments.push(segment("generating", "Generating", firstToken, total));
  } else {
    segments.push(segment("upstream", "Upstream", queued, total));
  }
  return { totalMs: total, segments };
}
