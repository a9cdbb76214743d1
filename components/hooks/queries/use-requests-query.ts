import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
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
    backend: filters.backend,
    client: filters.client,
    outcome: filters.outcome,
    status: filters.status?.map(String),
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

export const RECENT_REQUESTS_LIMIT = 500;

/**
 * GET /api/requests for the last `windowMs` (one page of at most 500 rows), for the gateway's rates. A second hook
 * on the same endpoint because it is a different question: a moving window, refetched when requests finish.
 */
export function useRecentRequestsQuery(windowMs: number) {
  return useQuery({
    queryKey: queryKeys.requests.recent(windowMs),
    queryFn: async ({ signal }) => {
      const now = Date.now();
      const page = await fetchRequestPage({ from: new Date(now - windowMs).toISOString() }, RECENT_REQUESTS_LIMIT, null, signal);
      return { ...page, fetchedAt: now };
    },
    refetchInterval: 10_000,
    placeholderData: keepPreviousData,
  });
}
