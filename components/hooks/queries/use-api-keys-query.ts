import { useQuery } from "@tanstack/react-query";
import { fetchApi } from "../api-client";
import type { ApiKeyListView } from "../api-types";
import { queryKeys } from "../query-keys";

/**
 * GET /api/keys: every key, revoked and expired ones included, newest first. No event announces a key's use, so
 * "last used" is as fresh as the last fetch; the page refetches when it regains focus.
 */
export function useApiKeysQuery() {
  return useQuery({
    queryKey: queryKeys.keys(),
    queryFn: ({ signal }) => fetchApi<ApiKeyListView>("/api/keys", signal),
    refetchOnWindowFocus: true,
  });
}
