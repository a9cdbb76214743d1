import { useQuery } from "@tanstack/react-query";
import type { LabStatus } from "@/lib/api/status";
import { fetchApi, queryKeys } from "../api-client";

export function useStatusQuery() {
  return useQuery({ queryKey: queryKeys.status(), queryFn: () => fetchApi<LabStatus>("/api/status"), refetchInterval: 2_000 });
}
