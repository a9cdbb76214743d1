import { nowSeconds, type RequestContext } from "../core";
import { sendEmpty, sendJson, sendText } from "../http";
import { METRICS_CONTENT_TYPE } from "../metrics";

/** The small read-only routes: health, version, the model card, load and metrics. */

export function handleHealth(ctx: RequestContext): void {
  sendEmpty(ctx.res, 200);
}

export function handleVersion(ctx: RequestContext): void {
  sendJson(ctx.res, 200, JSON.stringify({ version: ctx.core.options.version ?? ctx.core.profile.version }));
}

export function handleModels(ctx: RequestContext): void {
  const { options } = ctx.core;
  const created = nowSeconds();
  const card = {
    id: options.servedModel,
    object: "model",
    created,
    owned_by: "vllm",
    root: options.root,
    parent: null,
    max_model_len: options.maxModelLen,
    permission: [
      {
        id: `modelperm-${crypto.randomUUID().replace(/-/g, "")}`,
        object: "model_permission",
        created,
        allow_create_engine: false,
        allow_sampling: true,
        allow_logprobs: true,
        allow_search_indices: false,
        allow_view: true,
        allow_fine_tuning: false,
        organization: "*",
        group: null,
        is_blocking: false,
      },
    ],
  };
  sendJson(ctx.res, 200, JSON.stringify({ object: "list", data: [card] }));
}

export function handleLoad(ctx: RequestContext): void {
  const { engine } = ctx.core;
  sendJson(ctx.res, 200, JSON.stringify({ server_load: engine.running.size + engine.waitingCount }));
}

export function handleMetrics(ctx: RequestContext): void {
  const { engine, metrics } = ctx.core;
  const text = metrics.render({
    running: engine.running.size,
    waiting: engine.waitingCount,
    kvCacheUsage: engine.kvCacheUsage(),
  });
  sendText(ctx.res, 200, METRICS_CONTENT_TYPE, text);
}
