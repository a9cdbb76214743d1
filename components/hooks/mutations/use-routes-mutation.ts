import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { RoutingView, SavedRoutingView } from "../api-types";
import { queryKeys } from "../query-keys";

/** PUT /api/routes {routes}: only the routes that change are rewritten; a bad value is a 400 with the fields at fault. */
export function useRoutesMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (routes: RoutingView["routes"]) => sendApi<SavedRoutingView>("PUT", "/api/routes", { routes }),
    onSuccess: (view) => queryClient.setQueryData(queryKeys.routes(), view),
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: queryKeys.routes() }), queryClient.invalidateQueries({ queryKey: queryKeys.audit.all() })]),
  });
}
