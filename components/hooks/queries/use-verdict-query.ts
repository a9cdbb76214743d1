import { useQuery } from "@tanstack/react-query";
import { useLiveConnection } from "@/components/live/live-events-provider";
import { fetchApi } from "../api-client";
import type { HealthVerdict } from "../api-types";
import { queryKeys } from "../query-keys";

/**
 * GET /api/verdict. Refetched when the status, a lab event, an operation or a finished request says it may have
 * changed; polled only while the event stream is down, and slowly otherwise so "recent" problems age out.
 */
export function useVerdictQuery() {
  const connection = useLiveConnection();
  return useQuery({
    queryKey: queryKeys.verdict(),
    queryFn: ({ signal }) => fetchApi<HealthVerdict>("/api/verdict", signal),
    refetchInterval: connection === "open" ? 30_000 : 3_000,
  });
}
