import { startRequestRecord, type RequestLogOutcome, type RequestRecord } from "@/lib/request-log/record";
import type { RequestRecordSink } from "./request-record";

/**
 * The life of one request: its log record and the guarantee that it is finished exactly once,
 * whatever path (served, rejected, aborted, failed) ends it.
 */
export class RequestContext {
  readonly record: RequestRecord;
  /**
   * Names of the compat rules (`gateway.compat.*`, e.g. "reasoningFields") that changed this request or its response;
   * the row's `compat` column gets them, comma-separated, so an operator sees why a request was changed.
   */
  readonly compatApplied = new Set<string>();
  private readonly startedAt = performance.now();
  private finished = false;
  private readonly onFinish: ((record: RequestRecord) => void)[] = [];
  /** How long the request waited for the lab to get ready, and for what (lab-wait.ts): shown on its row. */
  private labWait: { ms: number; what: string } | null = null;

  constructor(
    private readonly sink: RequestRecordSink,
    init: Pick<RequestRecord, "id" | "clientRequestId" | "method" | "endpoint" | "clientAddress" | "userAgent">,
  ) {
    this.record = startRequestRecord({ ...init, receivedAt: new Date() });
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Milliseconds since the request arrived. */
  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Writes the row as still open, so a request that never ends (a crash) is still on record. */
  recordOpen(): void {
    if (!this.finished) this.sink.record({ ...this.record });
  }

  /** The request waited for the lab: its row says so in routeReason, and queueMs includes the wait. */
  noteLabWait(ms: number, what: string): void {
    this.labWait = { ms, what };
    this.record.routeReason = null;
  }

  whenFinished(callback: (record: RequestRecord) => void): void {
    this.onFinish.push(callback);
  }

  /** Ends the request once; later calls are ignored (a stream can end by abort and by error at once). */
  finish(outcome: Exclude<RequestLogOutcome, "open" | "interrupted">, patch: Partial<RequestRecord> = {}): void {
    if (this.finished) return;
    this.finished = true;
    Object.assign(this.record, patch, { outcome, finishedAt: new Date(), durationMs: round(this.elapsedMs()) });
    if (this.compatApplied.size > 0) this.record.compat = [...this.compatApplied].join(",");
    if (this.labWait) {
      const { ms, what } = this.labWait;
      this.record.queueMs = round(ms + (this.record.queueMs ?? 0));
      this.record.routeReason = [this.record.routeReason, `waited ${(ms / 1000).toFixed(1)} s for ${what}`].filter(Boolean).join("; ");
    }
    this.sink.record({ ...this.record });
    for (const callback of this.onFinish) callback(this.record);
  }
}

export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
