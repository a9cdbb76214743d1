import { useInfiniteQuery } from "@tanstack/react-query";
import { fetchApi, toQueryString } from "../api-client";
import type { ModeSwitchJson, OperationKind, Page } from "../api-types";
import { queryKeys } from "../query-keys";

/** GET /api/modes/switches?kind=...: mode switches and restarts with their steps, newest first, paged. */
export function useModeSwitchesQuery(kind: OperationKind | "all", pageSize = 20) {
  return useInfiniteQuery({
    queryKey: queryKeys.switches.list(kind),
    queryFn: ({ pageParam, signal }) =>
      fetchApi<Page<ModeSwitchJson>>(`/api/modes/switches${toQueryString({ kind: kind === "all" ? undefined : kind, limit: pageSize, cursor: pageParam })}`, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}
