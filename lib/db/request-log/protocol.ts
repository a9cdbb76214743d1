import type { Page } from "@/lib/db/queries/keyset-cursor";
import type { ExportFormat } from "./export-format";
import type { ListParams, RequestLogFilters } from "./queries";
import type { RequestLogRetention, RetentionResult } from "./retention";
import type { RequestLogRow } from "./rows";
import type { UsageParams, UsageReport } from "./usage";

// The messages between the gateway's thread (./reader.ts) and the reader workers (./worker.ts), and which of the two
// workers answers each.

export type RequestDetail = RequestLogRow & { requestBody: string | null; responseBody: string | null };

/** Each operation: what it is asked with and what it answers. */
export interface ReaderOperations {
  page: { args: ListParams; result: Page<RequestLogRow> };
  find: { args: { key: string }; result: RequestDetail | null };
  usage: { args: UsageParams; result: UsageReport };
  /** Opens an export cursor; answers its id. */
  exportOpen: { args: { filters: RequestLogFilters; format: ExportFormat; maxRows: number | null }; result: number };
  /**
   * The next chunk of an open export: its formatted lines as UTF-8, moved (not copied) to the caller; null at its end
   * (the cursor is then closed).
   */
  exportNext: { args: { exportId: number }; result: Uint8Array | null };
  exportClose: { args: { exportId: number }; result: null };
  retention: { args: Omit<RequestLogRetention, "now"> & { now: Date }; result: RetentionResult };
}

export type ReaderOperation = keyof ReaderOperations;

export type ReaderRequest = { [K in ReaderOperation]: { id: number; op: K; args: ReaderOperations[K]["args"] } }[ReaderOperation];

export type ReaderResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { name: string; message: string } };

/**
 * The two workers: "interactive" answers what a person waits on and is always quick (index walks of one page,
 * lookups, the usage charts); "bulk" runs what may take seconds or minutes (exports, text searches, which can scan
 * the whole log, and retention), so none of it ever queues in front of a page or a chart.
 */
export type ReaderLane = "interactive" | "bulk";

export function laneOf(request: { [K in ReaderOperation]: { op: K; args: ReaderOperations[K]["args"] } }[ReaderOperation]): ReaderLane {
  switch (request.op) {
    case "page":
      // A text search (LIKE) is the one list filter no index serves: it may read every row.
      return request.args.filters?.errorText ? "bulk" : "interactive";
    case "find":
    case "usage":
      return "interactive";
    case "exportOpen":
    case "exportNext":
    case "exportClose":
    case "retention":
      return "bulk";
  }
}
