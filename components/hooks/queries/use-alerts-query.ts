import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchApi, toQueryString } from "../api-client";
import type { AlertsView } from "../api-types";
import { queryKeys } from "../query-keys";

/** GET /api/alerts: the webhooks (secrets masked), the thresholds and the newest deliveries (live `alert_delivery` events invalidate it). */
export function useAlertsQuery(limit = 50) {
  return useQuery({
    queryKey: [...queryKeys.alerts(), limit],
    queryFn: ({ signal }) => fetchApi<AlertsView>(`/api/alerts${toQueryString({ limit })}`, signal),
    // A longer list replaces the shorter one when it arrives, instead of a loading state in between.
    placeholderData: keepPreviousData,
  });
}
