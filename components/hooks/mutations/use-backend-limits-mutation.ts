import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { RoutingView } from "../api-types";
import { queryKeys } from "../query-keys";

export interface BackendLimits {
  maxConcurrency?: number;
  maxQueue?: number;
}

/** PUT /api/backends/{id}/limits: written to the config file; a bad value is a 400 with the validator's message. */
export function useBackendLimitsMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ backendId, limits }: { backendId: string; limits: BackendLimits }) =>
      sendApi<RoutingView>("PUT", `/api/backends/${encodeURIComponent(backendId)}/limits`, limits),
    onSuccess: (view) => queryClient.setQueryData(queryKeys.routes(), view),
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: queryKeys.routes() }), queryClient.invalidateQueries({ queryKey: queryKeys.status() })]),
  });
}
