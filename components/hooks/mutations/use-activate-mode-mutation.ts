import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { ActivateModeResult } from "../api-types";
import { queryKeys } from "../query-keys";

/** POST /api/modes/{name}/activate: 202 with the operation's id, or 200 when the mode is already active; 409 while another operation runs. */
export function useActivateModeMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (mode: string) => sendApi<ActivateModeResult>("POST", `/api/modes/${encodeURIComponent(mode)}/activate`),
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: queryKeys.status() }), queryClient.invalidateQueries({ queryKey: queryKeys.switches.all() })]),
  });
}
