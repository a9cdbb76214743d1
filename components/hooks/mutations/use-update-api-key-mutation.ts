import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { ApiKeyView, UpdateApiKeyBody } from "../api-types";
import { queryKeys } from "../query-keys";

/** PATCH /api/keys/{id}: changes the given settings (the key's next request goes by them); 409 for a revoked key, 400 with `issues` for a bad field. */
export function useUpdateApiKeyMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateApiKeyBody }) => sendApi<ApiKeyView>("PATCH", `/api/keys/${encodeURIComponent(id)}`, body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.keys() }),
  });
}
