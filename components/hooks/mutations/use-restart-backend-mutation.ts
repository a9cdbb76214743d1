import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { RestartBackendResult } from "../api-types";
import { queryKeys } from "../query-keys";

/** POST /api/backends/{id}/restart: 202 with the operation's id (drain, stop, start, wait for ready). */
export function useRestartBackendMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (backendId: string) => sendApi<RestartBackendResult>("POST", `/api/backends/${encodeURIComponent(backendId)}/restart`),
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: queryKeys.status() }), queryClient.invalidateQueries({ queryKey: queryKeys.switches.all() })]),
  });
}
