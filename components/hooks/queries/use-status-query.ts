import { useQuery } from "@tanstack/react-query";
import { useLiveConnection } from "@/components/live/live-events-provider";
import { fetchApi } from "../api-client";
import type { LabStatus } from "../api-types";
import { queryKeys } from "../query-keys";

/** GET /api/status. Kept current by the live event stream; polled only while that stream is down. */
export function useStatusQuery() {
  const connection = useLiveConnection();
  return useQuery({
    queryKey: queryKeys.status(),
    queryFn: ({ signal }) => fetchApi<LabStatus>("/api/status", signal),
    refetchInterval: connection === "open" ? 30_000 : 3_000,
  });
}
