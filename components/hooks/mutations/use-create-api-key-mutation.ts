import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { CreateApiKeyBody, CreatedApiKey } from "../api-types";
import { queryKeys } from "../query-keys";

/** POST /api/keys: 201 with the key itself, which nothing can show again; a bad field is a 400 with the validator's message. */
export function useCreateApiKeyMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateApiKeyBody) => sendApi<CreatedApiKey>("POST", "/api/keys", body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.keys() }),
  });
}
