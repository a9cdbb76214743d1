/**
 * CORS for /v1, as vLLM's server does it by default (Starlette's CORSMiddleware with allow_origins=["*"],
 * allow_credentials=False, every method and header): browser clients (Open WebUI's direct connections, browser
 * SDKs) can call the lab from their own origin. `gateway.compat.corsOrigins` narrows it to a list; [] turns it off.
 * No credentials are ever allowed: /v1 takes keys in headers, and /api never gets these headers at all.
 */

const PREFLIGHT_MAX_AGE_SECONDS = 600;
const ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

/** The allowed origin for this request's Origin, or null (no Origin, or not allowed). */
function allowedOrigin(origin: string | null, origins: readonly string[]): string | null {
  if (!origin) return null;
  if (origins.includes("*")) return "*";
  return origins.includes(origin) ? origin : null;
}

/** Headers every /v1 answer carries for a browser caller from an allowed origin (none otherwise). */
export function corsHeaders(request: Request, origins: readonly string[]): Record<string, string> {
  const allowed = allowedOrigin(request.headers.get("origin"), origins);
  if (!allowed) return {};
  const headers: Record<string, string> = {
    "access-control-allow-origin": allowed,
    // Clients read these (tracing, the routing decision, rate-limit waits).
    "access-control-expose-headers": "x-request-id, x-switchyard-log-id, x-switchyard-backend, x-switchyard-route, x-switchyard-route-reason, retry-after",
  };
  if (allowed !== "*") headers.vary = "Origin";
  return headers;
}

/** The answer to a CORS preflight (OPTIONS): 204, the methods, the headers the browser asked for. */
export function preflightResponse(request: Request, origins: readonly string[]): Response {
  const headers: Record<string, string> = { ...corsHeaders(request, origins) };
  if (headers["access-control-allow-origin"]) {
    headers["access-control-allow-methods"] = ALLOWED_METHODS;
    headers["access-control-allow-headers"] = request.headers.get("access-control-request-headers") ?? "authorization, content-type";
    headers["access-control-max-age"] = String(PREFLIGHT_MAX_AGE_SECONDS);
    headers.vary = "Origin, Access-Control-Request-Headers";
  }
  headers.allow = ALLOWED_METHODS;
  return new Response(null, { status: 204, headers });
}

/** The response with the CORS headers added (a new Response when its headers cannot be changed). */
export function withCors(response: Response, cors: Record<string, string>): Response {
  const entries = Object.entries(cors);
  if (entries.length === 0) return response;
  try {
    for (const [name, value] of entries) response.headers.set(name, value);
    return response;
  } catch {
    const headers = new Headers(response.headers);
    for (const [name, value] of entries) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
