/** Outcomes a request log row can end with. `open` = still running; `interrupted` = the process died first. */
export type RequestOutcome =
  | "open"
  | "served"
  | "client_abort"
  | "upstream_error"
  | "timeout"
  | "rejected"
  | "bad_request"
  | "interrupted";

/** One request as the gateway saw it: becomes one RequestLog row. */
export interface RequestRecord {
  id: string;
  receivedAt: Date;
  firstTokenAt: Date | null;
  finishedAt: Date | null;
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
  outcome: RequestOutcome;
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
  /** The serving side when the request was sent there: its GPUs' utilization, KV-cache usage and queue. */
  gpuUtilizationPct: number | null;
  kvCacheUsage: number | null;
  backendQueueDepth: number | null;
  /** Estimated energy of the backend's GPUs over the request's duration. */
  energyWh: number | null;
  /** The request body and the generated text, only when prompt capture is on; never headers or key material. */
  requestBody: string | null;
  responseBody: string | null;
}

/** Where finished and still-open records go; must never block or throw (the request log writer). */
export interface RequestRecordSink {
  record(entry: RequestRecord): void;
}

/** The outcome a rejected request's status stands for (before anything was proxied). */
export function outcomeOfRejection(status: number): Exclude<RequestOutcome, "open" | "interrupted" | "served"> {
  if (status === 504) return "timeout";
  if (status === 401 || status === 403 || status === 429 || status === 503) return "rejected";
  if (status >= 500) return "upstream_error";
  return "bad_request";
}
