import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { fetchApi, toQueryString } from "../api-client";
import type { RequestListFilters, RequestLogPageJson } from "../api-types";
import { queryKeys } from "../query-keys";

export const REQUESTS_PAGE_SIZE = 50;

/** The query string of `GET /api/requests` (and of its CSV export) for a set of filters. */
export function requestFiltersQuery(filters: RequestListFilters, extra: Record<string, string | number | undefined> = {}): string {
  return toQueryString({
    from: filters.from,
    to: filters.to,
    model: filters.model,
    route: filters.route,
    backend: filters.backend,
    key: filters.key,
    client: filters.client,
    outcome: filters.outcome,
    status: filters.status,
    stream: filters.stream,
    q: filters.q,
    ...extra,
  });
}

function fetchRequestPage(filters: RequestListFilters, limit: number, cursor: string | null, signal: AbortSignal): Promise<RequestLogPageJson> {
  return fetchApi<RequestLogPageJson>(`/api/requests${requestFiltersQuery(filters, { limit, cursor: cursor ?? undefined })}`, signal);
}

/** GET /api/requests with keyset pagination: each "Load more" fetches the page after the last cursor. */
export function useRequestsQuery(filters: RequestListFilters) {
  return useInfiniteQuery({
    queryKey: queryKeys.requests.list(filters),
    queryFn: ({ pageParam, signal }) => fetchRequestPage(filters, REQUESTS_PAGE_SIZE, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
}
