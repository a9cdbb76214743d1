import type { RequestContext } from "../core";
import { SimError } from "../errors";
import { readBody, sendJson } from "../http";

/**
 * vLLM's dev-mode `POST /collective_rpc` (vllm/entrypoints/serve/dev/rpc/api_router.py; only with
 * `VLLM_SERVER_DEV_MODE=1`): `{"method": name, "args": [...], "kwargs": {...}, "timeout": s}` runs `name` on every
 * worker and answers `{"results": [one per worker]}`. The simulator knows one method, `reload_weights` (the
 * level-2 wake's reload from disk, sleep.ts); any other fails in the workers as it would in vLLM's.
 */
export async function handleCollectiveRpc(ctx: RequestContext): Promise<void> {
  // vLLM reads the body with `raw_request.json()`: any content type, a JSON object expected.
  const text = (await readBody(ctx.req)).toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new SimError("invalid_request", `JSON decode error: ${(error as Error).message}`);
  }
  const method = body !== null && typeof body === "object" && !Array.isArray(body) ? (body as { method?: unknown }).method : undefined;
  if (method === undefined || method === null) throw new SimError("bad_request", "Missing 'method' in request body", "method");
  if (method !== "reload_weights") {
    throw new SimError("engine_error", `AttributeError: 'Worker' object has no attribute '${String(method)}' (the simulator runs only reload_weights)`);
  }
  await ctx.core.sleep.reloadWeights();
  // `reload_weights` returns None on each worker.
  const results = new Array<null>(ctx.core.options.tensorParallelSize).fill(null);
  sendJson(ctx.res, 200, JSON.stringify({ results }));
}
