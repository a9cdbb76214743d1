import type { RequestLogOutcome, RequestRecord } from "@/lib/request-log/record";

// The record's fields are defined once, in lib/request-log/record.ts (the RequestLog row's field table).
export type { RequestRecord } from "@/lib/request-log/record";

/** Outcomes a request log row can end with. `open` = still running; `interrupted` = the process died first. */
export type RequestOutcome = RequestLogOutcome;

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
