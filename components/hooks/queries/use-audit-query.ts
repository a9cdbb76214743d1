import { useInfiniteQuery } from "@tanstack/react-query";
import { fetchApi, toQueryString } from "../api-client";
import type { AuditEntryJson, AuditFilters, Page } from "../api-types";
import { queryKeys } from "../query-keys";

/** GET /api/audit: the audit trail, newest first, a page at a time (live `audit` events invalidate it). */
export function useAuditQuery(filters: AuditFilters = {}) {
  return useInfiniteQuery({
    queryKey: queryKeys.audit.list(filters),
    initialPageParam: null as string | null,
    queryFn: ({ signal, pageParam }) => fetchApi<Page<AuditEntryJson>>(`/api/audit${toQueryString({ ...filters, limit: 50, cursor: pageParam })}`, signal),
    getNextPageParam: (page) => page.nextCursor,
  });
}
