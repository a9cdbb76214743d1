import { useQuery } from "@tanstack/react-query";
import { fetchApi } from "../api-client";
import type { RequestDetailJson } from "../api-types";
import { queryKeys } from "../query-keys";

/** GET /api/requests/{id}: one request with every field (refetched while it is still open). */
export function useRequestQuery(id: string | null) {
  return useQuery({
    queryKey: queryKeys.requests.detail(id ?? ""),
    queryFn: ({ signal }) => fetchApi<RequestDetailJson>(`/api/requests/${encodeURIComponent(id ?? "")}`, signal),
    enabled: id !== null,
    refetchInterval: (query) => (query.state.data?.outcome === "open" ? 1_000 : false),
  });
}
