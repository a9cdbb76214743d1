import { useQuery } from "@tanstack/react-query";
import { fetchApi, toQueryString } from "../api-client";
import type { LabEventFilters, LabEventJson, Page } from "../api-types";
import { queryKeys } from "../query-keys";

/** GET /api/lab-events: restarts, health changes, watchdog actions, newest first (live `lab_event`s invalidate it). */
export function useLabEventsQuery(filters: LabEventFilters = {}) {
  return useQuery({
    queryKey: queryKeys.labEvents.list(filters),
    queryFn: ({ signal }) => fetchApi<Page<LabEventJson>>(`/api/lab-events${toQueryString({ ...filters, limit: filters.limit ?? 50 })}`, signal),
  });
}
