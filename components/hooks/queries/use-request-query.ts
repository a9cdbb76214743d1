import { useQuery } from "@tanstack/react-query";
import { ApiRequestError, fetchApi } from "../api-client";
import type { RequestDetailJson } from "../api-types";
import { queryKeys } from "../query-keys";

/**
 * GET /api/requests/{id}: one request with every field (refetched while it is still open). `untilLogged`: the
 * request has just finished and its row may not be written yet (the log is written in batches), so a 404 is asked again for a few seconds.
 */
export function useRequestQuery(id: string | null, options: { untilLogged?: boolean } = {}) {
  return useQuery({
    queryKey: queryKeys.requests.detail(id ?? ""),
    queryFn: ({ signal }) => fetchApi<RequestDetailJson>(`/api/requests/${encodeURIComponent(id ?? "")}`, signal),
    enabled: id !== null,
    refetchInterval: (query) => (query.state.data?.outcome === "open" ? 1_000 : false),
    ...(options.untilLogged ? { retry: (failures: number, error: Error) => failures < 10 && error instanceof ApiRequestError && error.status === 404, retryDelay: 300 } : {}),
  });
}
