import { useMutation } from "@tanstack/react-query";
import { sendApi } from "../api-client";
import type { ConfigPreview, RoutingView } from "../api-types";
import type { BackendLimits } from "./use-backend-limits-mutation";

export type ConfigPreviewRequest = { routes: RoutingView["routes"] } | { backendId: string; limits: BackendLimits };

/** POST /api/config/preview: the config file's diff a save would make (nothing is written); a bad edit is the save's 400. */
export function useConfigPreviewMutation() {
  return useMutation({ mutationFn: (edit: ConfigPreviewRequest) => sendApi<ConfigPreview>("POST", "/api/config/preview", edit) });
}
