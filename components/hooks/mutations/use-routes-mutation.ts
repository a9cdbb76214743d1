import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { RoutingView } from "../api-types";
import { queryKeys } from "../query-keys";

/** PUT /api/routes {routes}: replaces every route in the config file; a bad value is a 400 with the validator's message. */
export function useRoutesMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (routes: RoutingView["routes"]) => sendApi<RoutingView>("PUT", "/api/routes", { routes }),
    onSuccess: (view) => queryClient.setQueryData(queryKeys.routes(), view),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.routes() }),
  });
}
