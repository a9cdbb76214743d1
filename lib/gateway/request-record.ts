import type { RequestLogOutcome, RequestRecord } from "@/lib/request-log/record";

/** Where finished and still-open records go; must never block or throw (the request log writer). */
export interface RequestRecordSink {
  /** Switchyard's id for a new request (the request log gives them in arrival order). */
  nextId(): number;
  record(entry: RequestRecord): void;
}

/** The outcome a rejected request's status stands for (before anything was proxied). */
export function outcomeOfRejection(status: number): Exclude<RequestLogOutcome, "open" | "interrupted" | "served"> {
  if (status === 504) return "timeout";
  if (status === 401 || status === 403 || status === 429 || status === 503) return "rejected";
  if (status >= 500) return "upstream_error";
  return "bad_request";
}
