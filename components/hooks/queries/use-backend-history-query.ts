import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchApi } from "../api-client";
import type { BackendHistoryResponse, HistoryRange } from "../api-types";
import { queryKeys } from "../query-keys";
import { HISTORY_REFRESH_MS } from "./use-gpu-history-query";

/** GET /api/backends/{id}/metrics/history?range=... */
export function useBackendHistoryQuery(backendId: string, range: HistoryRange) {
  return useQuery({
    queryKey: queryKeys.backends.history(backendId, range),
    queryFn: ({ signal }) => fetchApi<BackendHistoryResponse>(`/api/backends/${encodeURIComponent(backendId)}/metrics/history?range=${range}`, signal),
    refetchInterval: HISTORY_REFRESH_MS[range],
    placeholderData: keepPreviousData,
  });
}
