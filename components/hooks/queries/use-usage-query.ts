import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchApi, toQueryString } from "../api-client";
import type { UsageReportJson } from "../api-types";
import { queryKeys } from "../query-keys";

export interface UsageParams {
  from: number;
  to: number;
  bucketMinutes?: number;
  groupBy?: "backend" | "route" | "requestedModel" | "apiKeyId" | "clientAddress";
}

/** GET /api/usage: requests, errors, tokens, energy and latency from the per-minute rollups. */
export function useUsageQuery(params: UsageParams, options: { refetchIntervalMs?: number } = {}) {
  return useQuery({
    queryKey: queryKeys.usage(params),
    queryFn: ({ signal }) =>
      fetchApi<UsageReportJson>(
        `/api/usage${toQueryString({ from: new Date(params.from).toISOString(), to: new Date(params.to).toISOString(), bucketMinutes: params.bucketMinutes, groupBy: params.groupBy })}`,
        signal,
      ),
    refetchInterval: options.refetchIntervalMs,
    placeholderData: keepPreviousData,
  });
}
