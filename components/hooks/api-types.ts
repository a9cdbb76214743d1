/**
 * The admin API's payloads as the browser receives them. Most types come from lib/api (type-only imports, erased
 * at build); the database rows are restated here with dates as ISO strings because components may not import
 * lib/db, and JSON turns its Date fields into strings anyway.
 */
import type { BackendHistoryPoint, GpuHistoryResponse, HistoryRange } from "@/lib/api/history";
import type { RoutingView } from "@/lib/api/routing";
import type { BackendState, BackendStatus, LabStatus } from "@/lib/api/status";
import type { LabEventMap } from "@/lib/events/bus";
import type { OperationView } from "@/lib/lab/controller";
import type { GpuSample } from "@/lib/telemetry/types";

export type { BackendHistoryPoint, BackendState, BackendStatus, GpuHistoryResponse, GpuSample, HistoryRange, LabEventMap, LabStatus, OperationView, RoutingView };

export type GpuHistoryPoint = GpuHistoryResponse["gpus"][number]["points"][number];

export interface BackendHistoryResponse {
  backendId: string;
  range: HistoryRange;
  bucketMs: number;
  points: BackendHistoryPoint[];
}

export const HISTORY_RANGES = ["15m", "1h", "24h", "7d"] as const satisfies readonly HistoryRange[];

/** Span of each chart range (mirrors lib/api/history's table, which is server-only). */
export const HISTORY_RANGE_SPAN_MS: Record<HistoryRange, number> = {
  "15m": 15 * 60_000,
  "1h": 60 * 60_000,
  "24h": 24 * 60 * 60_000,
  "7d": 7 * 24 * 60 * 60_000,
};

export interface Page<Row> {
  rows: Row[];
  nextCursor: string | null;
}

export const REQUEST_OUTCOMES = ["open", "served", "client_abort", "upstream_error", "timeout", "rejected", "bad_request", "interrupted"] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

/** One row of the request log (prisma/schema.prisma's RequestLog) as JSON. */
export interface RequestLogRow {
  id: string;
  receivedAt: string;
  firstTokenAt: string | null;
  finishedAt: string | null;
  clientAddress: string | null;
  userAgent: string | null;
  method: string;
  endpoint: string;
  requestedModel: string | null;
  route: string | null;
  routeReason: string | null;
  backend: string | null;
  mode: string | null;
  stream: boolean;
  status: number | null;
  outcome: string;
  errorCode: string | null;
  errorMessage: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  cachedTokens: number | null;
  ttftMs: number | null;
  durationMs: number | null;
  queueMs: number | null;
  finishReason: string | null;
  attempts: number;
  apiKeyId: string | null;
  apiKeyName: string | null;
  gpuUtilizationPct: number | null;
  kvCacheUsage: number | null;
  backendQueueDepth: number | null;
  energyWh: number | null;
}

export type OperationKind = "mode_switch" | "restart";

export interface ModeSwitchStepRow {
  id: number;
  switchId: string;
  position: number;
  name: string;
  status: string;
  detail: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

/** A recorded lab operation (mode switch or restart) with its steps. */
export interface ModeSwitchRow {
  id: string;
  kind: OperationKind;
  fromMode: string | null;
  toMode: string | null;
  backendId: string | null;
  requestedBy: string;
  status: string;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  steps: ModeSwitchStepRow[];
}

export interface LabEventRow {
  id: number;
  at: string;
  kind: string;
  severity: "info" | "warning" | "error";
  backendId: string | null;
  message: string;
  detail: string | null;
}

export type ActivateModeResult = { status: "already_active" } | { status: "started"; operationId: string };
export type RestartBackendResult = { status: "started"; operationId: string };

/** The filters `GET /api/requests` and its CSV export accept (absent = no filter). */
export interface RequestListFilters {
  from?: string;
  to?: string;
  model?: string;
  backend?: string;
  client?: string;
  outcome?: RequestOutcome[];
  status?: number[];
  stream?: boolean;
  q?: string;
}

export interface LabEventFilters {
  backendId?: string;
  kind?: string;
  severity?: "info" | "warning" | "error";
  limit?: number;
}

export type { AdminSessionView } from "@/lib/api/auth";
