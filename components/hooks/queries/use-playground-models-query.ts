import { useQuery } from "@tanstack/react-query";
import { fetchApi } from "../api-client";
import type { PlaygroundModelsView } from "../api-types";
import { queryKeys } from "../query-keys";

/** GET /api/playground/models: the chat models and routes, each with its backend in the current mode (null: offline). */
export function usePlaygroundModelsQuery() {
  return useQuery({ queryKey: queryKeys.playgroundModels(), queryFn: ({ signal }) => fetchApi<PlaygroundModelsView>("/api/playground/models", signal) });
}
