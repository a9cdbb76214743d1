import type { LabConfig } from "@/lib/config/schema";
import { GatewayError } from "./errors";
import { tracingHeaders } from "./proxy";
import type { LabView } from "./route-plan";
import type { RequestContext } from "./request-context";
import type { UpstreamPools } from "./upstream";

/**
 * GET /v1/responses/{id} and POST /v1/responses/{id}/cancel. A stored response lives in the vLLM that made it,
 * and nothing in the request says which: the healthy chat backends of the current mode are asked in turn, and
 * the first that knows the id answers (vLLM says 404 for ids it does not have). This survives Switchyard's
 * restarts, and a lab has only a few backends.
 */
export async function forwardStoredResponse(
  deps: { config: LabConfig; lab: LabView; pools: UpstreamPools },
  ctx: RequestContext,
  pathname: string,
  method: string,
  signal: AbortSignal,
): Promise<Response> {
  const cancel = pathname.endsWith("/cancel");
  const expected = cancel ? "POST" : "GET";
  if (method !== expected) throw new GatewayError("method_not_allowed", `${pathname} accepts ${expected}, not ${method}.`);
  const responseId = decodeURIComponent(pathname.split("/")[3] ?? "");
  const mode = deps.lab.currentMode();
  const backends = (deps.config.modes[mode]?.backends ?? []).filter((id) => deps.config.backends[id]?.kind !== "embedding" && deps.lab.isHealthy(id));
  for (const id of backends) {
    const backend = deps.config.backends[id]!;
    const answer = await deps.pools.pool(backend.url).request({ path: pathname, method, signal, headers: { "x-request-id": ctx.record.clientRequestId ?? String(ctx.record.id) } });
    if (answer.statusCode === 404) {
      await answer.body.dump();
      continue;
    }
    ctx.record.backend = id;
    const body = await answer.body.text();
    ctx.finish(answer.statusCode < 400 ? "served" : "upstream_error", { status: answer.statusCode });
    return new Response(body, { status: answer.statusCode, headers: { ...tracingHeaders(ctx), "content-type": String(answer.headers["content-type"] ?? "application/json") } });
  }
  throw new GatewayError(
    "response_not_found",
    `No backend of mode ${mode} (${backends.join(", ") || "none healthy"}) has a response \`${responseId}\`. A stored response lives in the vLLM that made it and ends with it (a restart, or a mode switch that stopped it).`,
  );
}
