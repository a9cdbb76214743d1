import { performance } from "node:perf_hooks";
import type { Pool } from "undici";
import { SseEventBuffer, sseEventKind } from "./first-content";

export type OverloadLane = "interactive" | "batch";

/**
 * How a request of the overload run ended. `served`: 200 and the stream ran to `[DONE]` without an error event.
 * `refused`: 429 or 503 with a usable Retry-After (the gateway's promise under overload). Anything else is `lost`.
 */
export type RequestOutcome = "served" | "refused" | "lost";

export interface OverloadRequestRecord {
  lane: OverloadLane;
  /** Milliseconds on the run's clock (see `OverloadSender`). */
  startedMs: number;
  endedMs: number;
  /** null when no response arrived at all (connection failure). */
  status: number | null;
  /** Milliseconds from sending to the first event carrying generated text; null when none came. */
  ttftMs: number | null;
  /** The Retry-After header as received. */
  retryAfter: string | null;
  outcome: RequestOutcome;
  /** Why a `lost` request counts as lost. */
  problem: string | null;
}

/** What the client saw of one response, before judging it. */
export interface ResponseFacts {
  status: number | null;
  retryAfter: string | null;
  sawDone: boolean;
  sawError: boolean;
  /** The transport error, when the request failed before or while reading the body. */
  failure: string | null;
}

export function classifyOutcome(facts: ResponseFacts): { outcome: RequestOutcome; problem: string | null } {
  if (facts.failure !== null) return { outcome: "lost", problem: facts.failure };
  if (facts.status === 200) {
    if (facts.sawError) return { outcome: "lost", problem: "200 stream carried an error event" };
    if (!facts.sawDone) return { outcome: "lost", problem: "200 stream ended without [DONE]" };
    return { outcome: "served", problem: null };
  }
  if (facts.status === 429 || facts.status === 503) {
    if (retryAfterMs(facts.retryAfter, Date.now()) === null) return { outcome: "lost", problem: `${facts.status} without a usable Retry-After` };
    return { outcome: "refused", problem: null };
  }
  return { outcome: "lost", problem: `status ${facts.status ?? "none"}` };
}

/** Retry-After (delta-seconds or an HTTP date) in milliseconds from `nowMs`; null when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only an HTTP date (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"): Date.parse would also take "-1" or "2025".
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** One streamed request of a lane: the record of how it went. Never throws. */
export type OverloadSender = () => Promise<OverloadRequestRecord>;

export interface StreamingRequestSpec {
  lane: OverloadLane;
  path: string;
  /** The JSON body, or a function giving each request's own; `stream: true` is added. */
  body: Record<string, unknown> | (() => Record<string, unknown>);
  headers?: Record<string, string>;
  /** Abandons a request that has not ended by then (counted as lost). */
  timeoutMs: number;
}

/** A sender of streamed requests over `pool`, timed on `clock` (milliseconds, monotonic). */
export function streamingSender(pool: Pool, spec: StreamingRequestSpec, clock: () => number = () => performance.now()): OverloadSender {
  const fixedBody = typeof spec.body === "function" ? null : JSON.stringify({ ...spec.body, stream: true });
  const bodyOf = typeof spec.body === "function" ? spec.body : null;
  const headers = { "content-type": "application/json", accept: "text/event-stream", ...spec.headers };
  return async () => {
    const body = fixedBody ?? JSON.stringify({ ...bodyOf?.(), stream: true });
    const startedMs = clock();
    const facts: ResponseFacts = { status: null, retryAfter: null, sawDone: false, sawError: false, failure: null };
    let ttftMs: number | null = null;
    try {
      const response = await pool.request({ path: spec.path, method: "POST", headers, body, signal: AbortSignal.timeout(spec.timeoutMs) });
      facts.status = response.statusCode;
      const retryAfter = response.headers["retry-after"];
      facts.retryAfter = (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null;
      const events = new SseEventBuffer();
      response.body.setEncoding("utf8");
      for await (const chunk of response.body as AsyncIterable<string>) {
        for (const event of events.push(chunk)) {
          const kind = sseEventKind(event);
          if (kind === "content" && ttftMs === null) ttftMs = clock() - startedMs;
          else if (kind === "done") facts.sawDone = true;
          else if (kind === "error") facts.sawError = true;
        }
      }
    } catch (error) {
      facts.failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    return { lane: spec.lane, startedMs, endedMs: clock(), status: facts.status, ttftMs, retryAfter: facts.retryAfter, ...classifyOutcome(facts) };
  };
}
