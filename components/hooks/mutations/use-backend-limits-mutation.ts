import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { SavedRoutingView } from "../api-types";
import { queryKeys } from "../query-keys";

export interface BackendLimits {
  maxConcurrency?: number;
  maxQueue?: number;
}

/** PUT /api/backends/{id}/limits: written to the config file; a bad value is a 400 with the fields at fault. */
export function useBackendLimitsMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ backendId, limits }: { backendId: string; limits: BackendLimits }) =>
      sendApi<SavedRoutingView>("PUT", `/api/backends/${encodeURIComponent(backendId)}/limits`, limits),
    onSuccess: (view) => queryClient.setQueryData(queryKeys.routes(), view),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.routes() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.status() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.audit.all() }),
      ]),
  });
}
