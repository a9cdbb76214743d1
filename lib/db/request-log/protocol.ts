import type { Page } from "@/lib/db/queries/keyset-cursor";
import type { ExportFormat } from "./export-format";
import type { ListParams, RequestLogFilters } from "./queries";
import type { RequestLogRetention, RetentionResult } from "./retention";
import type { RequestLogRow } from "./rows";
import type { UsageParams, UsageReport } from "./usage";

// The messages between the gateway's thread (./reader.ts) and the reader worker (./worker.ts).

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
