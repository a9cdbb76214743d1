import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchApi } from "../api-client";
import type { GpuHistoryResponse, HistoryRange } from "../api-types";
import { queryKeys } from "../query-keys";

/** How often a chart range is refreshed: about one new point per refresh. */
export const HISTORY_REFRESH_MS: Record<HistoryRange, number> = { "15m": 5_000, "1h": 30_000, "24h": 120_000, "7d": 600_000 };

/** GET /api/gpus/history?range=...; `refetch: false` for a one-off read (the overview seeds its live sparklines with it). */
export function useGpuHistoryQuery(range: HistoryRange, { refetch = true }: { refetch?: boolean } = {}) {
  return useQuery({
    queryKey: queryKeys.gpus.history(range),
    queryFn: ({ signal }) => fetchApi<GpuHistoryResponse>(`/api/gpus/history?range=${range}`, signal),
    refetchInterval: refetch ? HISTORY_REFRESH_MS[range] : false,
    staleTime: refetch ? 2_000 : Number.POSITIVE_INFINITY,
    placeholderData: keepPreviousData,
  });
}
