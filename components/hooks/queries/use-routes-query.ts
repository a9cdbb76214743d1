import { useQuery } from "@tanstack/react-query";
import { fetchApi } from "../api-client";
import type { RoutingView } from "../api-types";
import { queryKeys } from "../query-keys";

/** GET /api/routes: the routing table for every mode, the routes as configured, the auto rules in words. */
export function useRoutesQuery() {
  return useQuery({ queryKey: queryKeys.routes(), queryFn: ({ signal }) => fetchApi<RoutingView>("/api/routes", signal) });
}
