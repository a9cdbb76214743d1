import type { Dispatcher } from "undici";
import { AdmissionError } from "@/lib/admission/admission-error";
import type { AdmissionLane, AdmissionTicket, BackendAdmission } from "@/lib/admission/backend-admission";
import type { InFlightLease, InFlightTracker } from "@/lib/admission/in-flight";
import type { LabConfig } from "@/lib/config/schema";
import { errorEvent, GatewayError } from "./errors";
import { observeJsonBody, StreamObserver, truncateToBytes } from "./observer";
import { applyReasoningFieldsToBody, applyReasoningFieldsToEvent } from "./reasoning-fields";
import type { RequestContext } from "./request-context";
import type { RequestRecord } from "@/lib/request-log/record";
import { round } from "./request-context";
import { describeChoice, type LabView, type RoutePlan } from "./route-plan";
import { SseEventSplitter } from "./sse";
import { describeUpstreamError, isNotSentFailure, type UpstreamPools } from "./upstream";

export interface ProxyDeps {
  config: LabConfig;
  admission: BackendAdmission;
  lab: LabView;
  pools: UpstreamPools;
  inFlight: InFlightTracker;
  /** The serving side's state to record with the request (telemetry), when known. */
  backendState?: (backendId: string) => Partial<RequestRecord>;
}

export interface ProxyRequest {
  path: string;
  /** The request body to send upstream, before the backend's served model name is put in. */
  body: Record<string, unknown>;
  stream: boolean;
  /** The client did not ask for the usage chunk the gateway asked vLLM for. */
  dropUsageChunk: boolean;
  /** Aborted when the client goes away. */
  clientSignal: AbortSignal;
  lane: AdmissionLane;
  /** Prompt capture: bytes of the response to keep in the log row (0 = off). */
  captureBytes: number;
}

const encoder = new TextEncoder();

/**
 * Sends the request to the first candidate that accepts a connection. A failure before the request was sent
 * (refused, unresolvable, connect timeout) moves on to the next candidate; anything after that is final, a reset
 * mid-request included, because the backend may already be running the prompt.
 */
export async function proxyToBackend(deps: ProxyDeps, ctx: RequestContext, plan: RoutePlan, request: ProxyRequest): Promise<Response> {
  const failed: { id: string; why: string }[] = [];
  const upstreamAbort = new AbortController();
  const abortUpstream = () => upstreamAbort.abort();
  request.clientSignal.addEventListener("abort", abortUpstream, { once: true });
  const forgetClient = () => request.clientSignal.removeEventListener("abort", abortUpstream);
  const { gateway } = deps.config;

  for (const backendId of plan.attemptOrder) {
    const backend = deps.config.backends[backendId];
    if (!backend) continue;
    ctx.record.attempts += 1;
    // Admission first: at most maxConcurrency in flight per backend, a bounded two-lane queue behind it.
    let ticket: AdmissionTicket;
    try {
      ticket = await deps.admission.admit(backendId, { lane: request.lane, signal: request.clientSignal });
    } catch (error) {
      if (!(error instanceof AdmissionError)) throw error;
      if (error.code === "client_gone") return clientGone(ctx, backendId, forgetClient);
      forgetClient();
      ctx.record.backend = backendId;
      throw admissionRefusal(error, backendId);
    }
    ctx.record.queueMs = round(ticket.queuedMs);
    const lease = deps.inFlight.acquire(backendId, String(ctx.record.id));
    lease.onEvict(abortUpstream);
    // One timer covers the wait for headers and, for streams, for the first chunk (vLLM sends headers at once and
    // its first chunk with the first token). It aborts the upstream request; the awaits below then see why.
    const firstByteTimeoutMs = (request.stream ? gateway.firstTokenTimeoutSeconds : gateway.responseTimeoutSeconds) * 1000;
    let timedOut = false;
    const firstByteTimer = setTimeout(() => {
      timedOut = true;
      abortUpstream();
    }, firstByteTimeoutMs);
    const timeoutError = () => {
      deps.lab.recordTraffic(backendId, false, "no answer in time");
      return new GatewayError(
        "first_token_timeout",
        `Backend ${backendId} sent ${request.stream ? "no first token" : "no answer"} within ${firstByteTimeoutMs / 1000} s.`,
      );
    };

    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await deps.pools.pool(backend.url).request({
        path: request.path,
        method: "POST",
        headers: { "content-type": "application/json", accept: request.stream ? "text/event-stream" : "application/json", "x-request-id": requestIdOf(ctx) },
        body: JSON.stringify({ ...request.body, model: backend.servedModel }),
        signal: upstreamAbort.signal,
      });
    } catch (error) {
      clearTimeout(firstByteTimer);
      lease.release();
      ticket.release();
      if (request.clientSignal.aborted) return clientGone(ctx, backendId, forgetClient);
      if (timedOut) {
        forgetClient();
        ctx.record.backend = backendId;
        throw timeoutError();
      }
      if (!isNotSentFailure(error)) {
        // It may have been sent (a reset mid-request): the prompt may be running, so it is not tried elsewhere.
        forgetClient();
        ctx.record.backend = backendId;
        deps.lab.recordTraffic(backendId, false, describeUpstreamError(error));
        throw new GatewayError("upstream_error", `Backend ${backendId} failed: ${describeUpstreamError(error)}`);
      }
      deps.lab.markUnreachable(backendId, describeUpstreamError(error));
      deps.lab.recordTraffic(backendId, false, describeUpstreamError(error));
      failed.push({ id: backendId, why: `unreachable (${describeUpstreamError(error)})` });
      continue;
    }

    ctx.record.backend = backendId;
    ctx.record.routeReason = describeChoice(plan, backendId, failed);
    if (deps.backendState) Object.assign(ctx.record, deps.backendState(backendId));
    ctx.whenFinished(() => {
      clearTimeout(firstByteTimer);
      lease.release();
      ticket.release();
      forgetClient();
    });
    const status = upstream.statusCode;
    deps.lab.recordTraffic(backendId, status !== 502 && status !== 503 && status !== 504, `answered ${status}`);
    const headers = responseHeaders(ctx, upstream.headers["content-type"]);
    const isEventStream = String(upstream.headers["content-type"] ?? "").includes("text/event-stream");
    if (status !== 200 || !isEventStream) {
      try {
        return await relayWhole(ctx, upstream, headers, request.clientSignal, request.captureBytes, gateway.compat.reasoningFields);
      } catch (error) {
        if (timedOut) throw timeoutError();
        throw error;
      }
    }

    const chunks = upstream.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let first: IteratorResult<Buffer>;
    try {
      first = await chunks.next();
    } catch (error) {
      if (request.clientSignal.aborted) return clientGone(ctx, backendId, forgetClient);
      if (timedOut) throw timeoutError();
      throw new GatewayError("upstream_error", `Backend ${backendId} failed before its first token: ${describeUpstreamError(error)}`);
    }
    clearTimeout(firstByteTimer);
    const idleTimeoutMs = gateway.idleTimeoutSeconds * 1000;
    const compat = { reasoningFields: gateway.compat.reasoningFields };
    return new Response(relayStream(ctx, chunks, first, request, abortUpstream, lease, idleTimeoutMs, deps.lab, compat), { status: 200, headers });
  }

  forgetClient();
  const tried = failed.map((f) => `${f.id} ${f.why}`).join("; ");
  throw new GatewayError(
    "backend_unavailable",
    `No backend for \`${ctx.record.requestedModel}\` is reachable right now (${tried}). It may be loading or restarting; retry shortly.`,
    { retryAfterSeconds: gateway.retryAfterSeconds },
  );
}

/** A full queue is a 429, a wait that ran out a 503; both say when to come back. */
function admissionRefusal(error: AdmissionError, backendId: string): GatewayError {
  const retryAfterSeconds = error.retryAfterSeconds;
  if (error.code === "queue_full") return new GatewayError("queue_full", `${backendId} is at its limit and its queue is full; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  return new GatewayError("queue_timeout", `${backendId} stayed at its limit for the whole queue wait; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
}

function clientGone(ctx: RequestContext, backendId: string, forgetClient: () => void): Response {
  forgetClient();
  ctx.finish("client_abort", { backend: backendId, status: 499, errorMessage: "client closed the connection before the response" });
  return new Response(null, { status: 499 });
}

/** A non-streamed response: vLLM sends it in one piece at the end, so reading it whole costs no latency. */
async function relayWhole(
  ctx: RequestContext,
  upstream: Dispatcher.ResponseData,
  headers: Headers,
  clientSignal: AbortSignal,
  captureBytes: number,
  reasoningFields: boolean,
): Promise<Response> {
  let body: ArrayBuffer;
  try {
    body = await upstream.body.arrayBuffer();
  } catch (error) {
    if (clientSignal.aborted) {
      ctx.finish("client_abort", { status: 499, errorMessage: "client closed the connection before the response" });
      return new Response(null, { status: 499 });
    }
    throw new GatewayError("upstream_error", `Backend ${ctx.record.backend} failed while answering: ${describeUpstreamError(error)}`);
  }
  const status = upstream.statusCode;
  const bytes = Buffer.from(body);
  const json = parseJson(bytes);
  if (captureBytes > 0) ctx.record.responseBody = truncateToBytes(bytes.toString("utf8"), captureBytes);
  let relayed: ArrayBuffer | string = body;
  if (status >= 200 && status < 300) {
    // The reasoningFields rule: only a body it changed is re-serialized.
    if (reasoningFields && applyReasoningFieldsToBody(json, ctx.compatApplied)) relayed = JSON.stringify(json);
    ctx.finish("served", { status, ...observeJsonBody(json) });
  } else {
    ctx.finish(status >= 500 ? "upstream_error" : "bad_request", { status, errorCode: `upstream_${status}`, errorMessage: upstreamErrorMessage(json, bytes) });
  }
  return new Response(relayed, { status, headers });
}

/**
 * Relays an SSE stream event by event as it arrives (pull-driven, so a slow client slows the upstream read
 * instead of piling up memory). Ends with an error event if the upstream fails, goes silent for the idle
 * timeout, or stops short. There is no limit on a stream's total length.
 */
function relayStream(
  ctx: RequestContext,
  upstream: AsyncIterator<Buffer>,
  first: IteratorResult<Buffer>,
  request: ProxyRequest,
  abortUpstream: () => void,
  lease: InFlightLease,
  idleTimeoutMs: number,
  lab: LabView,
  compat: { reasoningFields: boolean },
): ReadableStream<Uint8Array> {
  const splitter = new SseEventSplitter();
  const observer = new StreamObserver(Date.now, request.dropUsageChunk, request.captureBytes);
  const receivedAt = ctx.record.receivedAt.getTime();
  let pending: IteratorResult<Buffer> | null = first;
  let idleFailure: string | null = null;
  const idleTimer = setTimeout(() => {
    idleFailure = `Backend ${ctx.record.backend} sent nothing for ${idleTimeoutMs / 1000} s.`;
    if (ctx.record.backend) lab.recordTraffic(ctx.record.backend, false, "stream went silent");
    abortUpstream();
  }, idleTimeoutMs);
  ctx.whenFinished(() => clearTimeout(idleTimer));

  const observedFields = () => {
    const { firstTokenAt, promptTokens, completionTokens, cachedTokens, finishReason, tokenEvents } = observer.observation;
    return {
      status: 200,
      firstTokenAt: firstTokenAt ? new Date(firstTokenAt) : null,
      ttftMs: firstTokenAt ? round(firstTokenAt - receivedAt) : null,
      promptTokens: promptTokens ?? null,
      completionTokens: completionTokens ?? (tokenEvents > 0 ? tokenEvents : null),
      cachedTokens: cachedTokens ?? null,
      finishReason: finishReason ?? null,
      ...(observer.observation.capturedText !== undefined ? { responseBody: observer.observation.capturedText } : {}),
    };
  };
  // Set once the chunk holding the terminal event (`data: [DONE]`; `response.completed`/`.failed`/`.incomplete` on
  // /v1/responses) has been handed to the client. From then on the answer is complete: a client that hangs up at
  // once (most do, before the upstream's own end reaches us) or an upstream that never closes ends it as served.
  let terminalRelayed = false;
  const finishAtEnd = () => {
    const { upstreamError } = observer.observation;
    if (upstreamError) ctx.finish("upstream_error", { ...observedFields(), errorCode: "upstream_stream_error", errorMessage: upstreamError });
    else ctx.finish("served", observedFields());
  };
  const failMidStream = (controller: ReadableStreamDefaultController<Uint8Array>, message: string, outcome: "upstream_error" | "timeout" = "upstream_error") => {
    if (terminalRelayed) {
      closeQuietly(controller);
      return finishAtEnd();
    }
    const error = new GatewayError(outcome === "timeout" ? "first_token_timeout" : "upstream_error", message);
    controller.enqueue(encoder.encode(errorEvent(error)));
    controller.close();
    ctx.finish(outcome, { ...observedFields(), errorCode: outcome === "timeout" ? "idle_timeout" : error.code, errorMessage: message });
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      // A drain that runs out of time cuts the stream: the client gets an error event, vLLM an abort.
      lease.onEvict((reason) => {
        if (ctx.isFinished) return;
        failMidStream(controller, reason);
        abortUpstream();
      });
    },
    async pull(controller) {
      try {
        for (;;) {
          const next = pending ?? (await upstream.next());
          pending = null;
          idleTimer.refresh();
          if (next.done) {
            const { sawDone, finishReason } = observer.observation;
            if (!sawDone && !finishReason) return failMidStream(controller, `Backend ${ctx.record.backend} ended the stream before it finished.`);
            controller.close();
            return finishAtEnd();
          }
          let events = splitter.push(next.value).filter((event) => observer.observe(event));
          if (compat.reasoningFields) events = events.map((event) => applyReasoningFieldsToEvent(event, ctx.compatApplied));
          if (events.length > 0) {
            controller.enqueue(events.length === 1 ? (events[0] as Buffer) : Buffer.concat(events));
            if (observer.observation.sawTerminal) terminalRelayed = true;
            return;
          }
        }
      } catch (error) {
        if (ctx.isFinished) return;
        if (request.clientSignal.aborted) {
          if (terminalRelayed) finishAtEnd(); // the client left after the whole answer: served
          return;
        }
        if (idleFailure) return failMidStream(controller, idleFailure, "timeout");
        failMidStream(controller, `Backend ${ctx.record.backend} failed mid-stream: ${describeUpstreamError(error)}`);
      }
    },
    cancel() {
      abortUpstream();
      if (terminalRelayed) return finishAtEnd();
      ctx.finish("client_abort", { ...observedFields(), status: 200, errorMessage: "client closed the stream" });
    },
  });
}

function closeQuietly(controller: ReadableStreamDefaultController<Uint8Array>): void {
  try {
    controller.close();
  } catch {
    // already closed or cancelled: the client has what it will get
  }
}

function responseHeaders(ctx: RequestContext, contentType: string | string[] | undefined): Headers {
  const headers = new Headers({
    "content-type": (Array.isArray(contentType) ? contentType[0] : contentType) ?? "application/json",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  for (const [name, value] of Object.entries(tracingHeaders(ctx))) headers.set(name, value);
  return headers;
}

/** The request id the client and vLLM see: the client's own, else Switchyard's (the log's id). */
function requestIdOf(ctx: RequestContext): string {
  return ctx.record.clientRequestId ?? String(ctx.record.id);
}

/**
 * Headers that tell the client what happened: the request id, the log row's id (the client's id may name several
 * rows), the backend that served, the route and why.
 */
export function tracingHeaders(ctx: RequestContext): Record<string, string> {
  const { id, backend, route, routeReason } = ctx.record;
  const headers: Record<string, string> = { "x-request-id": requestIdOf(ctx), "x-switchyard-log-id": String(id) };
  if (backend) headers["x-switchyard-backend"] = backend;
  if (route) headers["x-switchyard-route"] = asciiHeader(route);
  if (routeReason) headers["x-switchyard-route-reason"] = asciiHeader(routeReason);
  return headers;
}

function asciiHeader(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, "?").slice(0, 512);
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

function upstreamErrorMessage(json: unknown, bytes: Buffer): string {
  const body = json as { error?: { message?: string } | string; message?: string } | undefined;
  if (typeof body?.error === "string") return body.error;
  return body?.error?.message ?? body?.message ?? bytes.toString("utf8").slice(0, 500);
}
