import type { RequestLogEntry, RequestLogOutcome } from "@/lib/request-log/record";
import { BACKEND_PROFILE, type ApiKeyProfile, type BackendId, type LabCatalogue, type RequestedModel } from "./lab-catalogue";
import { Prng, Weighted } from "./prng";

/**
 * One request of the synthetic log, as the gateway would have recorded it: the key, its machine, the model and the
 * route it took in the lab's mode of that hour, an outcome with the status, error and timings that go with it,
 * token counts, telemetry readings and energy. Statuses and fields follow the gateway's rules (lib/gateway).
 */

type Failure = { outcome: RequestLogOutcome; status: number | null; errorCode: string | null; errorMessage: string | null };

const FAILURES = new Weighted<Failure>([
  [{ outcome: "client_abort", status: 499, errorCode: null, errorMessage: "client closed the connection before the response" }, 2.5],
  [{ outcome: "rejected", status: 429, errorCode: "rate_limit_exceeded", errorMessage: "this key's requests per minute are used up" }, 0.8],
  [{ outcome: "rejected", status: 503, errorCode: "queue_full", errorMessage: "the backend's queue is full; retry later" }, 0.5],
  [{ outcome: "bad_request", status: 400, errorCode: "invalid_request_error", errorMessage: "max_tokens must be at least 1" }, 0.7],
  [{ outcome: "bad_request", status: 400, errorCode: "context_length_exceeded", errorMessage: "the prompt is longer than the model's context length" }, 0.3],
  [{ outcome: "bad_request", status: 413, errorCode: "request_too_large", errorMessage: "the request body is larger than the limit" }, 0.1],
  [{ outcome: "upstream_error", status: 502, errorCode: "upstream_error", errorMessage: "the backend closed the connection" }, 0.6],
  [{ outcome: "upstream_error", status: 500, errorCode: "upstream_error", errorMessage: "vLLM answered 500: internal server error" }, 0.2],
  [{ outcome: "timeout", status: 504, errorCode: "first_token_timeout", errorMessage: "no first token within 120 s" }, 0.3],
  [{ outcome: "interrupted", status: null, errorCode: null, errorMessage: "Switchyard stopped before the request finished" }, 0.01],
  [{ outcome: "served", status: 200, errorCode: null, errorMessage: null }, 94],
]);

const ENDPOINTS = new Weighted<string>([
  ["/v1/chat/completions", 88],
  ["/v1/completions", 7],
  ["/v1/responses", 5],
]);

export interface GeneratedRequest {
  entry: RequestLogEntry;
  captured: { requestBody: string; responseBody: string | null } | null;
}

const clamp = (value: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, value));

/** Route, backend and why, for a model in a mode (null backend: the request never reached one). */
function routeFor(model: RequestedModel, deep: boolean, promptTokens: number): { route: string | null; backend: BackendId | null; reason: string | null; unavailable: boolean } {
  switch (model) {
    case "fast":
      return { route: "fast", backend: deep ? "qwen-32b" : "qwen-7b", reason: `route fast: ${deep ? "qwen-32b" : "qwen-7b"}`, unavailable: false };
    case "reasoning":
      return { route: "reasoning", backend: deep ? "qwen-32b" : "qwen-14b", reason: `route reasoning: ${deep ? "qwen-32b" : "qwen-14b"}`, unavailable: false };
    case "auto": {
      const long = promptTokens >= 3000;
      const backend = deep ? "qwen-32b" : long ? "qwen-14b" : "qwen-7b";
      return { route: "auto", backend, reason: `auto: ${long ? "long" : "short"} prompt (~${promptTokens} tokens)`, unavailable: false };
    }
    case "qwen2.5-7b-instruct":
      return { route: null, backend: "qwen-7b", reason: "model qwen2.5-7b-instruct", unavailable: deep };
    case "qwen2.5-14b-instruct-awq":
      return { route: null, backend: "qwen-14b", reason: "model qwen2.5-14b-instruct-awq", unavailable: deep };
    case "qwen2.5-32b-instruct-awq":
      return { route: null, backend: "qwen-32b", reason: "model qwen2.5-32b-instruct-awq", unavailable: !deep };
    default:
      return { route: null, backend: null, reason: null, unavailable: true };
  }
}

function uuid(rng: Prng): string {
  return `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-8${rng.hex(3)}-${rng.hex(12)}`;
}

function cut(text: string, rng: Prng, length: number): string {
  const n = clamp(Math.round(length), 1, 16_384);
  const from = rng.int(Math.max(1, text.length - Math.min(n, text.length)));
  let out = text.slice(from, from + n);
  while (out.length < n) out += text.slice(0, n - out.length);
  return out;
}

/** The request received at `receivedAtMs`, with Switchyard's id `id`. Consumes `rng` in a fixed order. */
export function generateRequest(id: number, receivedAtMs: number, deep: boolean, lab: LabCatalogue, rng: Prng): GeneratedRequest {
  const key: ApiKeyProfile | null = lab.keys.pick(rng);
  const clientAddress = key ? key.addresses[rng.int(key.addresses.length)]! : lab.anonymousAddresses[rng.int(lab.anonymousAddresses.length)]!;
  const endpoint = ENDPOINTS.pick(rng);
  const stream = rng.chance(key?.streamShare ?? 0.5);
  const receivedAt = new Date(receivedAtMs);
  const clientRequestId = key && rng.chance(key.requestIdShare) ? uuid(rng) : null;
  if (!key) {
    const durationMs = 0.3 + rng.next();
    return {
      entry: {
        id,
        clientRequestId,
        receivedAt,
        firstTokenAt: null,
        finishedAt: new Date(receivedAtMs + durationMs),
        clientAddress,
        userAgent: "python-requests/2.32.3",
        method: "POST",
        endpoint,
        requestedModel: null,
        route: null,
        routeReason: null,
        backend: null,
        mode: null,
        stream,
        status: 401,
        outcome: "rejected",
        errorCode: "invalid_api_key",
        errorMessage: "missing or unknown API key",
        promptTokens: null,
        completionTokens: null,
        cachedTokens: null,
        ttftMs: null,
        durationMs,
        queueMs: null,
        finishReason: null,
        attempts: 0,
        apiKeyId: null,
        apiKeyName: null,
        gpuUtilizationPct: null,
        kvCacheUsage: null,
        backendQueueDepth: null,
        energyWh: null,
      },
      captured: null,
    };
  }

  const model = key.models.pick(rng);
  const promptTokens = Math.round(clamp(rng.logNormal(key.promptMedian, 1.0), 5, 30_000));
  const { route, backend, reason, unavailable } = routeFor(model, deep, promptTokens);
  let failure = FAILURES.pick(rng);
  if (unavailable) {
    failure = backend
      ? { outcome: "rejected", status: 503, errorCode: "model_not_available", errorMessage: `${model} is not served in the current mode` }
      : { outcome: "bad_request", status: 404, errorCode: "model_not_found", errorMessage: `The model \`${model}\` does not exist.` };
  }
  const reached = backend !== null && !unavailable && failure.outcome !== "bad_request" && !(failure.outcome === "rejected");
  const profile = backend ? BACKEND_PROFILE[backend] : null;
  const queueMs = reached && rng.chance(0.12) ? rng.logNormal(150, 1.2) : reached ? 0 : null;

  let ttftMs: number | null = null;
  let durationMs: number;
  let completionTokens: number | null = null;
  let finishReason: string | null = null;
  if (reached && profile) {
    const firstToken = (queueMs ?? 0) + profile.ttftMs * (1 + promptTokens / 8000) * rng.logNormal(1, 0.5);
    const wanted = Math.round(clamp(rng.logNormal(180, 0.9), 1, 4096));
    if (failure.outcome === "timeout") {
      durationMs = 120_000 + rng.next() * 50;
    } else if (failure.outcome === "served") {
      completionTokens = wanted;
      finishReason = rng.chance(0.1) ? "length" : "stop";
      durationMs = firstToken + (wanted / profile.tokensPerSecond) * 1000 * rng.logNormal(1, 0.2);
      if (stream) ttftMs = firstToken;
    } else {
      // Cut short: an abort or a failure somewhere in the answer.
      completionTokens = failure.outcome === "client_abort" && stream ? Math.round(wanted * rng.next()) : null;
      durationMs = firstToken + ((completionTokens ?? 0) / profile.tokensPerSecond) * 1000;
      if (stream && completionTokens !== null) ttftMs = firstToken;
      if (failure.outcome === "client_abort" && stream) failure = { ...failure, status: 200, errorMessage: "client closed the stream" };
    }
  } else {
    durationMs = 0.5 + rng.next() * 2;
  }

  const cachedTokens = reached && rng.chance(0.4) ? Math.round(promptTokens * (0.2 + 0.7 * rng.next())) : reached ? 0 : null;
  const concurrent = 1 + rng.int(12);
  // Every field spelled out in table order: an object literal with a spread of this size is very slow in V8.
  const entry: RequestLogEntry = {
    id,
    clientRequestId,
    receivedAt,
    firstTokenAt: ttftMs === null ? null : new Date(receivedAtMs + ttftMs),
    finishedAt: failure.outcome === "interrupted" ? null : new Date(receivedAtMs + durationMs),
    clientAddress,
    userAgent: key.userAgent,
    method: "POST",
    endpoint,
    requestedModel: model,
    route,
    routeReason: reason,
    backend: reached || failure.errorCode === "queue_full" || failure.errorCode === "model_not_available" ? backend : null,
    mode: deep ? "deep" : "standard",
    stream,
    status: failure.status,
    outcome: failure.outcome,
    errorCode: failure.errorCode,
    errorMessage: failure.errorMessage,
    promptTokens: reached ? promptTokens : null,
    completionTokens,
    cachedTokens,
    ttftMs,
    durationMs: failure.outcome === "interrupted" ? null : durationMs,
    queueMs,
    finishReason,
    attempts: reached ? (rng.chance(0.004) ? 2 : 1) : 0,
    apiKeyId: key.id,
    apiKeyName: key.name,
    gpuUtilizationPct: reached ? 35 + 64 * rng.next() : null,
    kvCacheUsage: reached ? 0.05 + 0.85 * rng.next() : null,
    backendQueueDepth: reached ? (rng.chance(0.85) ? 0 : 1 + rng.int(10)) : null,
    energyWh: reached && profile ? (280 * profile.gpus * (durationMs / 1000)) / 3600 / concurrent : null,
  };
  const captured = key.captures && failure.outcome !== "interrupted"
    ? {
        requestBody: JSON.stringify({ model, messages: [{ role: "user", content: cut(lab.text, rng, promptTokens * 4) }], stream, max_tokens: 1024 }).slice(0, 16_384),
        responseBody: completionTokens ? cut(lab.text, rng, completionTokens * 4) : null,
      }
    : null;
  return { entry, captured };
}
