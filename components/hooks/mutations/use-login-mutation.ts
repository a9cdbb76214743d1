import { useMutation, useQueryClient } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { AdminSessionView } from "../api-types";
import { queryKeys } from "../query-keys";

/** POST /api/auth/login {password}: sets the session cookie; 401 for a wrong password, 429 after repeated ones. */
export function useLoginMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (password: string) => sendApi<AdminSessionView>("POST", "/api/auth/login", { password }),
    onSuccess: (session) => {
      queryClient.setQueryData(queryKeys.session(), session);
      // Everything read before signing in was a 401.
      void queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== "auth" });
    },
  });
}

/** POST /api/auth/logout: ends this browser's session. */
export function useLogoutMutation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => sendApi<AdminSessionView>("POST", "/api/auth/logout"),
    onSuccess: (session) => {
      queryClient.setQueryData(queryKeys.session(), session);
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== "auth" });
    },
  });
}
