import { useQuery } from "@tanstack/react-query";
import { fetchApi } from "../api-client";
import type { ModeSwitchJson } from "../api-types";
import { queryKeys } from "../query-keys";

/**
 * GET /api/modes/switches/{id}: one operation with its steps. Step events invalidate it; the interval is only a
 * safety net while it runs. The record is written just after the 202, so a first 404 is retried.
 */
export function useModeSwitchQuery(id: string | null) {
  return useQuery({
    queryKey: queryKeys.switches.detail(id ?? ""),
    queryFn: ({ signal }) => fetchApi<ModeSwitchJson>(`/api/modes/switches/${encodeURIComponent(id ?? "")}`, signal),
    enabled: id !== null,
    retry: 5,
    retryDelay: 300,
    refetchInterval: (query) => (query.state.data && query.state.data.status !== "running" ? false : 2_000),
  });
}
