import type { Endpoint } from "@/lib/gateway/endpoints";
import { getSwitchyard } from "./instance";

type RouteHandler = (request: Request) => Promise<Response>;

/**
 * Handlers for one gateway endpoint, for every method: a wrong method must still get an OpenAI-shaped
 * error and a log row, which Next's automatic 405 would not give.
 */
export function gatewayRoute(endpoint: Endpoint): Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", RouteHandler> {
  const handler: RouteHandler = async (request) => {
    const switchyard = await getSwitchyard();
    switchyard.metrics.countEntry("next");
    return switchyard.gateway.handle(request, endpoint);
  };
  return { GET: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler };
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

/** Readiness: started, config loaded, not shutting down; lists what the current mode's backends look like. */
export async function readinessRoute(): Promise<Response> {
  const switchyard = await getSwitchyard();
  const config = switchyard.config();
  const mode = switchyard.controller.currentMode();
  const backends = Object.fromEntries((config.modes[mode]?.backends ?? []).map((id) => [id, switchyard.health.status(id).state]));
  const ready = !switchyard.isDraining();
  return Response.json(
    { status: ready ? "ready" : "draining", mode, backends, configError: switchyard.configStore.lastError()?.message ?? null },
    { status: ready ? 200 : 503 },
  );
}

/** The gateway's Prometheus metrics. */
export async function metricsRoute(): Promise<Response> {
  const { registry } = (await getSwitchyard()).metrics;
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } });
}
