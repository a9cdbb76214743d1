import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { fetchApi, toQueryString } from "../api-client";
import type { LabEventJson, ModeSwitchSummaryJson, Page } from "../api-types";
import { queryKeys } from "../query-keys";
import { readPages } from "../read-pages";

/** The lab events the markers are drawn from: crashes, and the watchdog's reasons for its restarts. */
const MARKER_EVENT_KINDS = ["container_exit", "oom", "watchdog_restart"] as const;
/** Read in the APIs' largest pages, up to these many rows per window (a month of a very busy lab). */
const OPERATIONS_PAGE = 200;
const EVENTS_PAGE = 500;
export const MARKER_OPERATIONS_CAP = 1_000;
export const MARKER_EVENTS_CAP = 2_000;
/** Read a little before the window: the browser's clock may run ahead of the server's, and a restart's reason precedes it. */
const WINDOW_MARGIN_MS = 60_000;

/**
 * What the time charts mark (see components/charts/chart-markers.ts): the mode switches and restarts that overlap
 * the chart's window, and the crash and watchdog events inside it. Kept current by the live stream (operations and
 * lab events invalidate these keys); the window starts `spanMs` before each fetch.
 */
export interface ChartMarkerSources {
  operations: readonly ModeSwitchSummaryJson[];
  events: readonly LabEventJson[];
  /** False when the window held more than the caps above: only the newest were read, older ones are not marked. */
  complete: boolean;
}

/** The result keeps its identity until one of the lists changes, so memoised charts do not redraw on every status tick. */
export function useChartMarkerSources(spanMs: number): ChartMarkerSources {
  const windowStart = () => new Date(Date.now() - spanMs - WINDOW_MARGIN_MS).toISOString();
  const operations = useQuery({
    queryKey: queryKeys.switches.markers(spanMs),
    queryFn: ({ signal }) => {
      const from = windowStart();
      return readPages((cursor) => fetchApi<Page<ModeSwitchSummaryJson>>(`/api/modes/switches${toQueryString({ from, steps: false, limit: OPERATIONS_PAGE, cursor })}`, signal), MARKER_OPERATIONS_CAP);
    },
  });
  const events = useQuery({
    queryKey: queryKeys.labEvents.markers(spanMs),
    queryFn: ({ signal }) => {
      const from = windowStart();
      return readPages((cursor) => fetchApi<Page<LabEventJson>>(`/api/lab-events${toQueryString({ from, kind: MARKER_EVENT_KINDS, limit: EVENTS_PAGE, cursor })}`, signal), MARKER_EVENTS_CAP);
    },
  });
  return useMemo(
    () => ({
      operations: operations.data?.rows ?? [],
      events: events.data?.rows ?? [],
      complete: (operations.data?.complete ?? true) && (events.data?.complete ?? true),
    }),
    [operations.data, events.data],
  );
}
