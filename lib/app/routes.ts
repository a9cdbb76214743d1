import type { Endpoint } from "@/lib/gateway/endpoints";
import { getSwitchyard } from "./instance";

type RouteHandler = (request: Request) => Promise<Response>;

/**
 * Handlers for one gateway endpoint, for every method: a wrong method must still get an OpenAI-shaped
 * error and a log row, which Next's automatic 405 would not give; OPTIONS is the gateway's CORS preflight.
 */
export function gatewayRoute(endpoint: Endpoint): Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS", RouteHandler> {
  const handler: RouteHandler = async (request) => {
    const switchyard = await getSwitchyard();
    switchyard.metrics.countEntry("next");
    return switchyard.gateway.handle(request, endpoint);
  };
  return { GET: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler, OPTIONS: handler };
}

/** GET /v1/models/{model}; Next hands the segment over percent-decoded. */
export async function modelCardRoute(request: Request, context: { params: Promise<{ model: string }> }): Promise<Response> {
  const { model } = await context.params;
  const switchyard = await getSwitchyard();
  switchyard.metrics.countEntry("next");
  return switchyard.gateway.handle(request, "model", { modelId: model });
}

/** Liveness: the process answers. */
export function livenessRoute(): Response {
  return Response.json({ status: "ok" });
}

/**
 * GET /readyz: Switchyard itself is ready to take requests (started, config loaded, not shutting down). It is 200
 * while the mode's backends still load or a switch runs: requests then wait for the lab instead of failing
 * (lib/gateway/lab-wait.ts). `?strict=1` is 200 only when, besides, no lab operation runs and every backend of the
 * current mode passed its health check ("loading" otherwise): for health checks that gate traffic or other services.
 */
export async function readinessRoute(request: Request): Promise<Response> {
  const switchyard = await getSwitchyard();
  const strict = ["1", "true"].includes(new URL(request.url).searchParams.get("strict") ?? "");
  const configError = switchyard.configStore.lastError()?.message ?? null;
  if (switchyard.isDraining()) return Response.json({ status: "draining", ...switchyard.readiness.modeReadiness(), configError }, { status: 503 });
  const lab = switchyard.readiness.modeReadiness();
  const ready = !strict || lab.ready;
  return Response.json({ status: ready ? "ready" : "loading", strict, ...lab, configError }, { status: ready ? 200 : 503 });
}

/** The gateway's Prometheus metrics. */
export async function metricsRoute(): Promise<Response> {
  const { registry } = (await getSwitchyard()).metrics;
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } });
}

/**
 * vLLM's own health check, as clients that were pointed at a vLLM server call it: 200 with an empty body while the
 * lab can serve (a backend of the current mode is healthy and Switchyard is not shutting down), else 503.
 * GET /health and GET|POST /ping (vLLM answers both alike).
 */
export async function vllmHealthRoute(): Promise<Response> {
  const switchyard = await getSwitchyard();
  const mode = switchyard.controller.currentMode();
  const serving = (switchyard.config().modes[mode]?.backends ?? []).some((id) => switchyard.health.isHealthy(id));
  return new Response(null, { status: serving && !switchyard.isDraining() ? 200 : 503 });
}

/** vLLM's GET /version: the version the current mode's first healthy backend reports (it is vLLM's to say). */
export async function vllmVersionRoute(): Promise<Response> {
  const switchyard = await getSwitchyard();
  const config = switchyard.config();
  const healthy = (config.modes[switchyard.controller.currentMode()]?.backends ?? []).filter((id) => switchyard.health.isHealthy(id));
  for (const id of healthy) {
    const url = config.backends[id]?.url;
    if (!url) continue;
    try {
      const answer = await fetch(new URL("/version", url), { signal: AbortSignal.timeout(2_000) });
      if (answer.ok) return Response.json(await answer.json());
    } catch {
      // the next backend may answer
    }
  }
  return Response.json({ error: { message: "No backend of the current mode is healthy to report its version.", type: "ServiceUnavailableError", param: null, code: 503 } }, { status: 503 });
}

/** vLLM's GET /load: `server_load`, the requests in flight (here: across every backend). */
export async function vllmLoadRoute(): Promise<Response> {
  const switchyard = await getSwitchyard();
  return Response.json({ server_load: switchyard.inFlight.total() });
}
