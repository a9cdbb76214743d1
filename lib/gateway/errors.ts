import { AuthError } from "@/lib/auth/errors";
import { BrandedError } from "@/lib/errors/branded-error";
/**
 * Gateway errors: one class, one table from code to HTTP status and OpenAI error type, one place that
 * turns them into OpenAI-shaped bodies. Handlers throw; the pipeline formats.
 */

export const gatewayErrorCodes = {
  invalid_json: { status: 400, type: "invalid_request_error" },
  invalid_request: { status: 400, type: "invalid_request_error" },
  unsupported_media_type: { status: 415, type: "invalid_request_error" },
  body_too_large: { status: 413, type: "invalid_request_error" },
  missing_api_key: { status: 401, type: "authentication_error" },
  invalid_api_key: { status: 401, type: "authentication_error" },
  model_not_allowed: { status: 403, type: "permission_error" },
  model_not_found: { status: 404, type: "invalid_request_error" },
  response_not_found: { status: 404, type: "invalid_request_error" },
  unknown_endpoint: { status: 404, type: "invalid_request_error" },
  method_not_allowed: { status: 405, type: "invalid_request_error" },
  rate_limited: { status: 429, type: "rate_limit_error" },
  queue_full: { status: 429, type: "rate_limit_error" },
  model_offline: { status: 503, type: "service_unavailable_error" },
  backend_unavailable: { status: 503, type: "service_unavailable_error" },
  queue_timeout: { status: 503, type: "service_unavailable_error" },
  shutting_down: { status: 503, type: "service_unavailable_error" },
  first_token_timeout: { status: 504, type: "timeout_error" },
  upstream_error: { status: 502, type: "upstream_error" },
  internal_error: { status: 500, type: "server_error" },
} as const satisfies Record<string, { status: number; type: string }>;

export type GatewayErrorCode = keyof typeof gatewayErrorCodes;

export class GatewayError extends BrandedError {
  static override readonly brand = "switchyard.GatewayError";
  readonly status: number;
  readonly type: string;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** `route`: what routing had decided when it refused (a prompt too long for the route, its backends down), for the log row. */
    readonly options: { param?: string; retryAfterSeconds?: number; route?: { route: string; reason: string } } = {},
  ) {
    super(message);
    this.name = "GatewayError";
    this.status = gatewayErrorCodes[code].status;
    this.type = gatewayErrorCodes[code].type;
  }
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | number | null };
}

export function openAiErrorBody(error: GatewayError): OpenAiErrorBody {
  return { error: { message: error.message, type: error.type, param: error.options.param ?? null, code: error.code } };
}

/** The /v1 answer to a refusal by lib/auth: API-key problems keep their own codes; the rest cannot reach /v1. */
function fromAuthError(error: AuthError): GatewayError {
  switch (error.kind) {
    case "missing_api_key":
    case "invalid_api_key":
    case "model_not_allowed":
      return new GatewayError(error.kind, error.message, { param: error.options.param });
    default:
      return new GatewayError("invalid_api_key", error.message);
  }
}

/** Anything thrown that is not a GatewayError is a bug: it becomes a 500 without leaking internals. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof AuthError) return fromAuthError(error);
  return new GatewayError("internal_error", "Switchyard hit an internal error handling this request; see the server log.");
}

export function errorResponse(error: GatewayError, headers: Record<string, string> = {}): Response {
  const retry = error.options.retryAfterSeconds;
  return new Response(JSON.stringify(openAiErrorBody(error)), {
    status: error.status,
    headers: { "content-type": "application/json", ...(retry ? { "retry-after": String(retry) } : {}), ...headers },
  });
}

/** The SSE event that ends a stream whose HTTP status was already sent. */
export function errorEvent(error: GatewayError): string {
  return `data: ${JSON.stringify({ error: { ...openAiErrorBody(error).error, code: error.status } })}\n\ndata: [DONE]\n\n`;
}
