import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { AlertTestResult } from "../api-types";
import { queryKeys } from "../query-keys";

/** POST /api/alerts/test: a test message to one webhook, answered with the delivery's result. */
export function useTestAlertMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (webhook: string) => sendApi<{ results: AlertTestResult[] }>("POST", "/api/alerts/test", { webhook }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.alerts() }),
  });
}
