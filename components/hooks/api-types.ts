/**
 * The admin API's payloads as the browser receives them. The types come from lib/api (type-only imports, erased
 * at build), which exports each database row's JSON shape (`…Json`: dates as ISO strings), so components never
 * restate a row and never import lib/db.
 */
import type { AlertDeliveryJson, AlertsView, AlertTestResult, WebhookView } from "@/lib/api/alerts";
import type { AuditEntryJson } from "@/lib/api/audit";
import type { BackendHistoryPoint, GpuHistoryResponse, HistoryRange } from "@/lib/api/history";
import type { ApiKeyListView, ApiKeyView, CreateApiKeyBody, CreatedApiKey, UpdateApiKeyBody } from "@/lib/api/keys";
import type { LabEventJson, ModeSwitchJson, ModeSwitchStepJson } from "@/lib/api/lab";
import type { RequestDetailJson, RequestLogJson, RequestLogPageJson, UsageReportJson } from "@/lib/api/requests";
import type { PlaygroundChatBody, PlaygroundModel, PlaygroundModelsView } from "@/lib/api/playground";
import type { ConfigChangeView, ConfigPreview, RoutingView, SavedRoutingView } from "@/lib/api/routing";
import type { BackendState, BackendStatus, LabStatus } from "@/lib/api/status";
import type { HealthVerdict, VerdictProblem } from "@/lib/api/verdict";
import type { LabEventMap } from "@/lib/events/bus";
import type { OperationView } from "@/lib/lab/controller";
import type { RunningOperationEstimate } from "@/lib/lab/estimates";
import type { RequestLogOutcome } from "@/lib/request-log/record";
import type { GpuSample } from "@/lib/telemetry/types";

export type { BackendHistoryPoint, BackendState, BackendStatus, GpuHistoryResponse, GpuSample, HistoryRange, LabEventMap, LabStatus, OperationView, RoutingView };
export type { ApiKeyListView, ApiKeyView, CreateApiKeyBody, CreatedApiKey, UpdateApiKeyBody, LabEventJson, ModeSwitchJson, ModeSwitchStepJson, RequestDetailJson, RequestLogJson, RequestLogPageJson, UsageReportJson };

export type { PlaygroundChatBody, PlaygroundModel, PlaygroundModelsView };
export type { AlertDeliveryJson, AlertsView, AlertTestResult, WebhookView };
export type { HealthVerdict, VerdictProblem };

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

/** The console's earlier names for the wire types; new code imports the lib/api names. */
export type RequestLogRow = RequestLogJson;
export type ModeSwitchRow = ModeSwitchJson;
/** An operation without its steps (`GET /api/modes/switches?steps=false`, what the charts' markers read). */
export type ModeSwitchSummaryJson = Omit<ModeSwitchJson, "steps">;
export type ModeSwitchStepRow = ModeSwitchStepJson;
export type LabEventRow = LabEventJson;

export type OperationKind = ModeSwitchJson["kind"];

/** `/api/status`'s `operationEstimate`: what the running operation usually takes, whole and per step, and where it stands. */
export type { RunningOperationEstimate };
export type OperationExpectation = RunningOperationEstimate["expectation"];

export type ActivateModeResult = { status: "already_active" } | { status: "started"; operationId: string };
export type RestartBackendResult = { status: "started"; operationId: string };

/** The filters `GET /api/requests` and its CSV export accept (absent = no filter). */
export interface RequestListFilters {
  from?: string;
  to?: string;
  model?: string;
  route?: string;
  backend?: string;
  /** An API key's id. */
  key?: string;
  client?: string;
  outcome?: RequestLogOutcome[];
  /** HTTP codes ("404") and classes ("5xx"). */
  status?: string[];
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
export type { AuditEntryJson, ConfigChangeView, ConfigPreview, SavedRoutingView };
export type { ApiFieldIssue } from "@/lib/api/envelope";
export type { DiffLine } from "@/lib/config/text-diff";

/** The filters GET /api/audit accepts. */
export interface AuditFilters {
  kind?: AuditEntryJson["kind"];
  target?: string;
}
