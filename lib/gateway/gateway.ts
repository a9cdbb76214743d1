import type { z } from "zod";
import { AdmissionError } from "@/lib/admission/admission-error";
import type { AdmissionLane, BackendAdmission } from "@/lib/admission/backend-admission";
import type { InFlightTracker } from "@/lib/admission/in-flight";
import type { KeyLimiter } from "@/lib/admission/key-limits";
import { assertModelAllowed, type Principal } from "@/lib/auth/principal";
import { clientAddressOf } from "@/lib/auth/request-facts";
import type { LabConfig } from "@/lib/config/schema";
import { hostnameOf } from "@/lib/http/host";
import { routeBackendsInMode } from "@/lib/routing/resolve";
import { forwardStoredResponse } from "./stored-responses";
import { readJsonBody, validateBody } from "./body";
import { corsHeaders, preflightResponse, withCors } from "./cors";
import { clampedCompletion, measurePrompt, type PromptSize } from "./context-fit";
import { errorResponse, GatewayError, toGatewayError } from "./errors";
import { listModelCards } from "./models";
import { truncateToBytes } from "./observer";
import { proxyToBackend, tracingHeaders } from "./proxy";
import { RequestContext } from "./request-context";
import type { RequestRecord } from "@/lib/request-log/record";
import { outcomeOfRejection, type RequestRecordSink } from "./request-record";
import { OperationWaiter } from "./operation-waiter";
import { routeOrWait, waitAfterUnreachable, type LabWait } from "./lab-wait";
import { loadingProgressFor } from "./loading-progress";
import { retryAfterSeconds, type GatewayEstimates } from "./wait-estimate";
import { planRoute, type LabView, type RoutePlan } from "./route-plan";
import { proxiedEndpoints, type Endpoint } from "./endpoints";
import { promptChars } from "./schemas";
import type { UpstreamPools } from "./upstream";

export interface GatewayDeps {
  config: () => LabConfig;
  admission: BackendAdmission;
  keyLimits: KeyLimiter;
  lab: LabView;
  pools: UpstreamPools;
  inFlight: InFlightTracker;
  sink: RequestRecordSink;
  /** Called once per request with its final record (metrics). */
  onFinished?: (record: RequestRecord) => void;
  /** Who is calling (lib/auth/principal.ts); throws an AuthError for a refused caller. */
  authenticate: (request: Request, config: LabConfig) => Promise<Principal>;
  /** True once shutdown began: new requests are refused. */
  isDraining?: () => boolean;
  /** The serving side's state recorded with each proxied request (GPU utilization, KV cache, queue). */
  backendState?: (backendId: string) => Partial<RequestRecord>;
  /** The lab's expected remaining time (Retry-After, progress for waiting streams); absent: the flat retryAfterSeconds. */
  estimates?: GatewayEstimates;
}

export interface Gateway {
  /**
   * Handles one /v1 (or /tokenize) request. Never throws: every failure is an OpenAI-shaped response. `principal`:
   * the caller was authenticated elsewhere (the console's playground, by its session) and is not asked for a key.
   */
  handle(request: Request, endpoint: Endpoint, options?: HandleOptions): Promise<Response>;
}

export interface HandleOptions {
  modelId?: string;
  principal?: Principal;
}

/**
 * The request pipeline: authenticate -> parse and validate -> resolve the route -> proxy -> observe -> log.
 * Admission control slots in between route and proxy.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const queuedOf = (backendId: string) => {
    const { queued } = deps.admission.snapshotOf(backendId);
    return queued.interactive + queued.batch;
  };

  /** The prompt's size against the contexts of the backends this model can use now (a /tokenize call when near one). */
  function measurePromptFor(config: LabConfig, mode: string, model: string, body: Record<string, unknown>): Promise<PromptSize> {
    const backends = routeBackendsInMode(config, mode, model);
    const tokenizer = backends.find((id) => deps.lab.isHealthy(id) && deps.lab.isAdmitting(id) && config.backends[id]?.kind !== "embedding") ?? null;
    return measurePrompt(config, deps.pools, body, backends, tokenizer);
  }

  async function run(ctx: RequestContext, request: Request, endpoint: Endpoint, { modelId, principal: authenticated }: HandleOptions): Promise<Response> {
    const config = deps.config();
    if (deps.isDraining?.()) {
      throw new GatewayError("shutting_down", "Switchyard is shutting down; retry shortly.", { retryAfterSeconds: config.gateway.retryAfterSeconds });
    }
    const host = request.headers.get("host");
    if (host !== null && hostnameOf(host) === null) {
      throw new GatewayError("invalid_request", `The Host header ${JSON.stringify(host.slice(0, 100))} is not a host name.`);
    }
    if (endpoint === "unknown") {
      throw new GatewayError("unknown_endpoint", `Unknown endpoint ${ctx.record.method} ${ctx.record.endpoint}. This gateway serves ${knownEndpoints}.`);
    }
    if (endpoint === "stored_response") {
      if (!authenticated) await deps.authenticate(request, config);
      return forwardStoredResponse({ config, lab: deps.lab, pools: deps.pools }, ctx, ctx.record.endpoint, request.method, request.signal);
    }
    const expectedMethod = endpoint === "models" || endpoint === "model" ? "GET" : "POST";
    if (request.method !== expectedMethod) {
      throw new GatewayError("method_not_allowed", `${ctx.record.endpoint} accepts ${expectedMethod}, not ${request.method}.`);
    }

    const principal = authenticated ?? (await deps.authenticate(request, config));
    ctx.record.apiKeyId = principal.keyId;
    ctx.record.apiKeyName = principal.keyName;
    const mode = deps.lab.currentMode();
    ctx.record.mode = mode;

    if (endpoint === "models" || endpoint === "model") return serveModelCards(ctx, config, mode, principal, endpoint, modelId);

    const spec = proxiedEndpoints[endpoint];
    const raw = await readJsonBody(request, config.gateway.maxBodyBytes);
    const withModel = withDefaultModel(raw, principal, config, ctx);
    const requested = isRecord(withModel) ? withModel.model : undefined;
    if (typeof requested === "string") ctx.record.requestedModel = requested;
    const body = validateBody(spec.schema as z.ZodType<Record<string, unknown>>, withModel);
    const stream = body.stream === true;
    ctx.record.stream = stream;
    const streamOptions = body.stream_options as { include_usage?: boolean | null } | null | undefined;
    if (streamOptions != null && !stream) {
      throw new GatewayError("invalid_request", "Stream options can only be defined when `stream=True`.", { param: "stream_options" });
    }
    const model = body.model as string;
    assertModelAllowed(principal, model);
    // Prompt capture is off unless the operator turned it on, globally or for this key. Only the body is kept:
    // never headers, so never the key.
    const captureBytes = config.requestLog.captureBodies || principal.captureBodies ? config.requestLog.captureMaxBytes : 0;
    if (captureBytes > 0) ctx.record.requestBody = truncateToBytes(JSON.stringify(withModel), captureBytes);
    if (principal.keyId) ctx.whenFinished(acquireKeyLimits(deps.keyLimits, principal.keyId, principal));

    const prompt = config.gateway.compat.contextFit || config.gateway.compat.clampMaxTokens ? await measurePromptFor(config, mode, model, body) : null;
    const signals = {
      promptChars: promptChars(body),
      promptTokens: prompt?.exact && config.gateway.compat.contextFit ? prompt.tokens : undefined,
      hasTools: Array.isArray(body.tools) && body.tools.length > 0,
      reasoningEffort: reasoningEffortOf(body),
      hint: request.headers.get("x-switchyard-route") ?? undefined,
    };
    const retryAfter = () => retryAfterSeconds(deps.config(), deps.estimates?.operationRemaining() ?? null);
    const plan = () => planRoute(deps.config(), deps.lab, queuedOf, model, signals, retryAfter());

    // vLLM sends usage only when asked (it defaults to on once stream_options is present). The gateway always
    // asks, to log tokens, and drops the chunk again for clients that did not.
    const clientWantsUsage = streamOptions != null && (streamOptions.include_usage === undefined || streamOptions.include_usage === true);
    const injectUsage = stream && spec.usageInjection;
    const proxyRequest = {
      path: spec.path,
      body: injectUsage ? { ...body, stream_options: { ...(streamOptions ?? {}), include_usage: true } } : body,
      stream,
      dropUsageChunk: injectUsage && !clientWantsUsage,
      clientSignal: request.signal,
      lane: laneOf(principal, request),
      captureBytes,
    };
    const proxy = (routePlan: RoutePlan) => {
      ctx.record.route = routePlan.route;
      ctx.record.routeReason = routePlan.reason;
      // A request that waited for a switch is served in the mode the switch reached.
      ctx.record.mode = routePlan.mode;
      if (routePlan.contextFitActed) ctx.compatApplied.add("contextFit");
      ctx.recordOpen();
      const proxyDeps = { config: deps.config(), admission: deps.admission, lab: deps.lab, pools: deps.pools, inFlight: deps.inFlight, backendState: deps.backendState };
      // Cline and friends ask for more completion than the context leaves; vLLM would answer 400, so ask for what fits.
      const clamp = prompt?.exact && config.gateway.compat.clampMaxTokens ? clampedCompletion(config, routePlan.attemptOrder, body, prompt.tokens) : null;
      if (!clamp) return proxyToBackend(proxyDeps, ctx, routePlan, proxyRequest);
      ctx.compatApplied.add("clampMaxTokens");
      return proxyToBackend(proxyDeps, ctx, routePlan, { ...proxyRequest, body: { ...proxyRequest.body, [clamp.field]: clamp.tokens } });
    };

    // Nothing takes it now, but the lab will (a switch or restart runs, a backend loads or the watchdog brings it
    // back, or an on-demand switch starts): the request waits for it, bounded (lab-wait.ts).
    const deadline = performance.now() + config.gateway.operationWaitSeconds * 1000;
    const waitInput = (onDemand: boolean) => ({ config: deps.config(), lab: deps.lab, plan, model, caller: principal, requestId: ctx.record.id, waitMs: deadline - performance.now(), onDemand });
    const route = (onDemand: boolean) => routeOrWait(waitInput(onDemand));
    const routing = await route(true);
    let wait: LabWait;
    if (routing.kind === "plan") {
      try {
        return await proxy(routing.plan);
      } catch (error) {
        const next = await waitAfterUnreachable(waitInput(false), error);
        if (!next) throw error;
        wait = next;
      }
    } else {
      wait = routing.wait;
    }
    const progress = stream && endpoint === "chat" ? loadingProgressFor(config, deps, ctx, principal, model, wait.kind === "readiness" ? wait.mode : wait.targetMode) : null;
    const waiter = new OperationWaiter(deps.lab, ctx, config, wait, () => route(false), request.signal, { retryAfterSeconds: retryAfter, progress });
    if (stream) return waiter.streamWhileWaiting(proxy, waitingStreamHeaders(ctx));
    const waited = await waiter.waitForPlan();
    return waited ? proxy(waited) : new Response(null, { status: 499 });
  }
  return {
    async handle(request, endpoint, options = {}) {
      const origins = deps.config().gateway.compat.corsOrigins;
      // A CORS preflight is the browser asking, not a request to a model: answered here, never logged.
      if (request.method === "OPTIONS") return preflightResponse(request, origins);
      return withCors(await handleLogged(request, endpoint, options), corsHeaders(request, origins));
    },
  };

  /** Every request that is not a preflight: exactly one log row, whatever ends it. */
  async function handleLogged(request: Request, endpoint: Endpoint, options: HandleOptions): Promise<Response> {
    const url = new URL(request.url);
    const ctx = new RequestContext(deps.sink, {
      id: deps.sink.nextId(),
      clientRequestId: clientRequestIdFrom(request),
      method: request.method,
      endpoint: url.pathname,
      clientAddress: loggedClientAddress(request, deps.config()),
      userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null,
    });
    if (deps.onFinished) ctx.whenFinished(deps.onFinished);
    try {
      return await run(ctx, request, endpoint, options);
    } catch (thrown) {
      const error = toGatewayError(thrown);
      if (error.code === "internal_error") console.error(`[gateway] request ${ctx.record.id} failed`, thrown);
      if (error.options.route && !ctx.record.route) {
        ctx.record.route = error.options.route.route;
        ctx.record.routeReason = error.options.route.reason;
      }
      ctx.finish(outcomeOfRejection(error.status), { status: error.status, errorCode: error.code, errorMessage: error.message });
      return errorResponse(error, tracingHeaders(ctx));
    }
  }
}

function serveModelCards(
  ctx: RequestContext,
  config: LabConfig,
  mode: string,
  principal: Principal,
  endpoint: "models" | "model",
  modelId: string | undefined,
): Response {
  const cards = listModelCards(config, mode).filter((card) => principal.allowedModels?.includes(card.id) ?? true);
  if (endpoint === "models") return served(ctx, { object: "list", data: cards });
  ctx.record.requestedModel = modelId ?? null;
  const card = cards.find((c) => c.id === modelId);
  if (!card) throw new GatewayError("model_not_found", `The model \`${modelId}\` does not exist in the current mode (${mode}).`, { param: "model" });
  return served(ctx, card);
}

/** A request without a model gets its key's default model, else the lab's (gateway.compat.defaultModel), as vLLM serves its one model. */
function withDefaultModel(raw: unknown, principal: Principal, config: LabConfig, ctx: RequestContext): unknown {
  if (!isRecord(raw) || raw.model !== undefined) return raw;
  if (principal.defaultModel) return { ...raw, model: principal.defaultModel };
  const labDefault = config.gateway.compat.defaultModel;
  if (!labDefault) return raw;
  ctx.compatApplied.add("defaultModel");
  return { ...raw, model: labDefault };
}

/** `reasoning_effort`, or the `reasoning: {effort}` object that Open WebUI and the Responses API send. */
function reasoningEffortOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.reasoning_effort === "string") return body.reasoning_effort;
  const reasoning = body.reasoning;
  return isRecord(reasoning) && typeof reasoning.effort === "string" ? reasoning.effort : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The key's own limits (in flight, per minute); returns the release, or throws 429 with Retry-After. */
function acquireKeyLimits(keyLimits: KeyLimiter, keyId: string, principal: Principal): () => void {
  try {
    return keyLimits.acquire(keyId, { concurrency: principal.concurrency, requestsPerMinute: principal.requestsPerMinute });
  } catch (error) {
    if (!(error instanceof AdmissionError)) throw error;
    const what = error.code === "key_rate" ? "requests per minute" : "requests in flight";
    throw new GatewayError("rate_limited", `This API key is at its limit of ${what}; retry in ${error.retryAfterSeconds} s.`, {
      retryAfterSeconds: error.retryAfterSeconds,
    });
  }
}

const knownEndpoints = "GET /v1/models, POST /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/responses, GET /v1/responses/{id}, POST /v1/responses/{id}/cancel, /tokenize and /detokenize";

/** A key's own lane wins; otherwise a client may put itself in the batch lane (never promote itself). */
function laneOf(principal: Principal, request: Request): AdmissionLane {
  if (principal.lane) return principal.lane;
  return request.headers.get("x-switchyard-priority") === "batch" ? "batch" : "interactive";
}

function waitingStreamHeaders(ctx: RequestContext): Headers {
  return new Headers({ "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no", ...tracingHeaders(ctx) });
}

function served(ctx: RequestContext, body: unknown): Response {
  ctx.finish("served", { status: 200 });
  return Response.json(body, { headers: tracingHeaders(ctx) });
}

/** A client's own request id is kept (logged, echoed, passed to vLLM) when it is a sane token. */
function clientRequestIdFrom(request: Request): string | null {
  const given = request.headers.get("x-request-id");
  return given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : null;
}

/** The client's address for the log (lib/auth/request-facts.ts decides whom to believe); null when unknown. */
function loggedClientAddress(request: Request, config: LabConfig): string | null {
  const address = clientAddressOf(request, config.server.trustProxy);
  return address === "unknown" ? null : address;
}
