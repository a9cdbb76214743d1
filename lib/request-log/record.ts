// The request-log record, defined once: every field of a RequestLog row, in table order, with its type, plus the
// captured bodies (stored apart, in RequestBody). The gateway's RequestRecord, the writer's entry, columns and row
// conversion, the CSV columns and the record a request starts from are all derived from this table. It must describe
// the same row as the RequestLog model in prisma/schema.prisma (lib/db/request-log/rows.ts checks that at compile time).
//
// A leaf module (no imports), so the gateway, lib/db and lib/api can all depend on it.

/** Outcomes a request log row can end with. "open": accepted and still running; "interrupted": the process died first. */
export const REQUEST_LOG_OUTCOMES = [
  "open",
  "served",
  "client_abort",
  "upstream_error",
  "timeout",
  "rejected",
  "bad_request",
  "interrupted",
] as const;

export type RequestLogOutcome = (typeof REQUEST_LOG_OUTCOMES)[number];

type FieldValues = {
  string: string;
  date: Date;
  boolean: boolean;
  number: number;
  /** A telemetry reading: best effort, so a NaN or an Infinity is stored as unknown (null). */
  reading: number;
  outcome: RequestLogOutcome;
};

export type RequestLogFieldSpec = {
  type: keyof FieldValues;
  /** The column may be null: a new record starts with null, a writer entry may leave it out. */
  nullable?: true;
  /** What a new record starts with (non-nullable fields; without it the request's creator gives the value). */
  start?: FieldValues[keyof FieldValues];
  /** What the writer stores when an entry leaves the field out (the column's default). */
  default?: FieldValues[keyof FieldValues];
  /** A captured body: large and private, so it is stored apart (RequestBody) and only the detail view shows it. */
  captured?: true;
  /** Computed by the writer from other fields (never part of a record). */
  derived?: true;
};

/** Every RequestLog column, in table order, with its type. */
export const REQUEST_LOG_FIELDS = {
  /** Switchyard's id for the request, given by the request log in arrival order (RequestRecordSink.nextId). */
  id: { type: "number" },
  /** The client's x-request-id, when it sent one (echoed back and sent to vLLM); several requests may share one. */
  clientRequestId: { type: "string", nullable: true },
  receivedAt: { type: "date" },
  firstTokenAt: { type: "date", nullable: true },
  finishedAt: { type: "date", nullable: true },
  clientAddress: { type: "string", nullable: true },
  userAgent: { type: "string", nullable: true },
  method: { type: "string" },
  /** e.g. "/v1/chat/completions" */
  endpoint: { type: "string" },
  requestedModel: { type: "string", nullable: true },
  route: { type: "string", nullable: true },
  routeReason: { type: "string", nullable: true },
  backend: { type: "string", nullable: true },
  mode: { type: "string", nullable: true },
  stream: { type: "boolean", start: false },
  /** HTTP status sent to the client. */
  status: { type: "number", nullable: true },
  /** status / 100, for the status-class filter's index. */
  statusClass: { type: "number", nullable: true, derived: true },
  outcome: { type: "outcome", start: "open" },
  errorCode: { type: "string", nullable: true },
  errorMessage: { type: "string", nullable: true },
  promptTokens: { type: "number", nullable: true },
  completionTokens: { type: "number", nullable: true },
  cachedTokens: { type: "number", nullable: true },
  ttftMs: { type: "number", nullable: true },
  durationMs: { type: "number", nullable: true },
  queueMs: { type: "number", nullable: true },
  finishReason: { type: "string", nullable: true },
  /** Backends tried (retries before the first byte count): a request starts with none, a logged entry defaults to 1. */
  attempts: { type: "number", start: 0, default: 1 },
  apiKeyId: { type: "string", nullable: true },
  apiKeyName: { type: "string", nullable: true },
  /** The serving GPUs' average utilization when the request was accepted (telemetry; null when unknown). */
  gpuUtilizationPct: { type: "reading", nullable: true },
  /** The backend's KV-cache usage (0..1) when the request was accepted. */
  kvCacheUsage: { type: "reading", nullable: true },
  /** Requests waiting in the backend's own queue (vLLM num_requests_waiting) when the request was accepted. */
  backendQueueDepth: { type: "reading", nullable: true },
  /** The request's share of its GPUs' energy while it ran (lib/telemetry/energy-ledger.ts); null without power readings. */
  energyWh: { type: "reading", nullable: true },
  /** The compatibility rules (gateway.compat) that acted on the request, comma-separated (RequestContext.compatApplied). */
  compat: { type: "string", nullable: true },
  /** The request body as sent, when prompt capture is on (globally or for the key), cut at the capture limit; never headers or key material. */
  requestBody: { type: "string", nullable: true, captured: true },
  /** The generated text (or the response body), when prompt capture is on, cut at the capture limit. */
  responseBody: { type: "string", nullable: true, captured: true },
} as const satisfies Record<string, RequestLogFieldSpec>;

type Fields = typeof REQUEST_LOG_FIELDS;
export type RequestLogField = keyof Fields;
type FieldsWhere<Condition> = { [K in RequestLogField]: Fields[K] extends Condition ? K : never }[RequestLogField];

/** The captured bodies (stored in RequestBody). */
export type CapturedBodyField = FieldsWhere<{ captured: true }>;
/** Fields the writer computes. */
type DerivedField = FieldsWhere<{ derived: true }>;
/** The RequestLog table's columns: every field but the captured bodies. */
export type RequestLogColumn = Exclude<RequestLogField, CapturedBodyField>;
/** What a request's record holds: every field but the derived ones. */
type RecordField = Exclude<RequestLogField, DerivedField>;

type ValueOf<K extends RequestLogField> = FieldValues[Fields[K]["type"]] | (Fields[K] extends { nullable: true } ? null : never);

/** One request as the gateway saw it: becomes one RequestLog row (and a RequestBody row when bodies were captured). */
export type RequestRecord = { -readonly [K in RecordField]: ValueOf<K> };
/** One RequestLog row as stored. */
export type RequestLogRowValues = { -readonly [K in RequestLogColumn]: ValueOf<K> };

type OptionalInEntry = FieldsWhere<{ nullable: true } | { default: unknown }>;
/** One request as it is handed to the writer: nullable fields and fields with a default may be left out. */
export type RequestLogEntry = Pick<RequestRecord, Exclude<RecordField, OptionalInEntry>> & Partial<Pick<RequestRecord, Extract<RecordField, OptionalInEntry>>>;

type OptionalAtStart = FieldsWhere<{ nullable: true } | { start: unknown }>;
/** What the creator of a record gives: the non-nullable fields without a start value, and any others it knows. */
export type RequestRecordStart = Pick<RequestRecord, Exclude<RecordField, OptionalAtStart>> & Partial<Pick<RequestRecord, Extract<RecordField, OptionalAtStart>>>;

const ALL_FIELDS = Object.keys(REQUEST_LOG_FIELDS) as readonly RequestLogField[];

/** Every RequestLog column, in table order (the captured bodies live in RequestBody). */
export const REQUEST_LOG_COLUMNS: readonly RequestLogColumn[] = ALL_FIELDS.filter(
  (field): field is RequestLogColumn => !("captured" in REQUEST_LOG_FIELDS[field]),
);

const RECORD_FIELDS = ALL_FIELDS.filter((field): field is RecordField => !("derived" in REQUEST_LOG_FIELDS[field]));

/** A new record: the given fields, the start value of the others, null where there is none. */
export function startRequestRecord(given: RequestRecordStart): RequestRecord {
  const record: Partial<Record<RequestLogField, unknown>> = {};
  for (const field of RECORD_FIELDS) {
    const spec: RequestLogFieldSpec = REQUEST_LOG_FIELDS[field];
    record[field] = field in given ? given[field] : (spec.start ?? null);
  }
  return record as RequestRecord;
}
