import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import { queryKeys } from "../query-keys";

/** PUT /api/backends/{id}/watchdog {enabled}: until Switchyard restarts. */
export function useWatchdogMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ backendId, enabled }: { backendId: string; enabled: boolean }) =>
      sendApi<{ backendId: string; enabled: boolean }>("PUT", `/api/backends/${encodeURIComponent(backendId)}/watchdog`, { enabled }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.status() }),
  });
}
