import type { AuditFilters, HistoryRange, LabEventFilters, OperationKind, RequestListFilters } from "./api-types";
import type { UsageParams } from "./queries/use-usage-query";

/**
 * Every react-query key of the console, from one factory, so invalidation cannot miss a spelling. Keys are
 * hierarchical: invalidating `requests.all()` also reaches every list and detail below it.
 */
export const queryKeys = {
  session: () => ["auth", "session"] as const,
  status: () => ["status"] as const,
  verdict: () => ["verdict"] as const,
  gpus: {
    history: (range: HistoryRange) => ["gpus", "history", range] as const,
  },
  backends: {
    all: () => ["backends"] as const,
    history: (id: string, range: HistoryRange) => ["backends", id, "history", range] as const,
    logs: (id: string, tail: number) => ["backends", id, "logs", tail] as const,
  },
  routes: () => ["routes"] as const,
  keys: () => ["keys"] as const,
  requests: {
    all: () => ["requests"] as const,
    lists: () => ["requests", "list"] as const,
    list: (filters: RequestListFilters) => ["requests", "list", filters] as const,
    detail: (id: string) => ["requests", "detail", id] as const,
  },
  usage: (params: UsageParams) => ["usage", params] as const,
  usageAll: () => ["usage"] as const,
  playgroundModels: () => ["playground", "models"] as const,
  switches: {
    all: () => ["switches"] as const,
    list: (kind: OperationKind | "all") => ["switches", "list", kind] as const,
    markers: (spanMs: number) => ["switches", "markers", spanMs] as const,
    detail: (id: string) => ["switches", "detail", id] as const,
  },
  alerts: () => ["alerts"] as const,
  audit: {
    all: () => ["audit"] as const,
    list: (filters: AuditFilters) => ["audit", "list", filters] as const,
  },
  labEvents: {
    all: () => ["lab-events"] as const,
    list: (filters: LabEventFilters) => ["lab-events", "list", filters] as const,
    markers: (spanMs: number) => ["lab-events", "markers", spanMs] as const,
  },
};
