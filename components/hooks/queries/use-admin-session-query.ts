import { useQuery } from "@tanstack/react-query";
import { fetchApi } from "../api-client";
import type { AdminSessionView } from "../api-types";
import { queryKeys } from "../query-keys";

/** GET /api/auth/session: whether this browser may use the console (never a 401 itself). */
export function useAdminSessionQuery() {
  return useQuery({
    queryKey: queryKeys.session(),
    queryFn: ({ signal }) => fetchApi<AdminSessionView>("/api/auth/session", signal),
    staleTime: 60_000,
    retry: 1,
  });
}
