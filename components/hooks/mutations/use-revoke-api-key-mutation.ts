import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { ApiKeyView } from "../api-types";
import { queryKeys } from "../query-keys";

/** POST /api/keys/{id}/revoke: the key stops working at once; revoking twice keeps the first time. */
export function useRevokeApiKeyMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendApi<ApiKeyView>("POST", `/api/keys/${encodeURIComponent(id)}/revoke`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.keys() }),
  });
}
