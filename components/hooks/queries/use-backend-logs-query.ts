import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchApi } from "../api-client";
import { queryKeys } from "../query-keys";

/** GET /api/backends/{id}/logs?tail=N; `follow` refetches every two seconds while the logs are open. */
export function useBackendLogsQuery(backendId: string, tail: number, { enabled, follow }: { enabled: boolean; follow: boolean }) {
  return useQuery({
    queryKey: queryKeys.backends.logs(backendId, tail),
    queryFn: ({ signal }) => fetchApi<{ backendId: string; lines: string[] }>(`/api/backends/${encodeURIComponent(backendId)}/logs?tail=${tail}`, signal),
    enabled,
    refetchInterval: follow ? 2_000 : false,
    placeholderData: keepPreviousData,
    retry: false,
  });
}
