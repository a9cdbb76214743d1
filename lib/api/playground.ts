import { z } from "zod";
import { consolePrincipal } from "@/lib/auth/console-principal";
import { PEER_HEADER } from "@/lib/auth/request-facts";
import type { LabConfig } from "@/lib/config/schema";
import { allModelNames, findRoute, routeBackendsInMode, servingBackend } from "@/lib/routing/resolve";
import { apiRoute } from "./route";

// The console's playground. Its chats go through the real gateway pipeline (routing, admission, limits, metrics,
// the request log) as the console principal (lib/auth/console-principal.ts): the console session authenticated
// them, so the browser never holds an API key.

const chatMessage = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string().max(200_000) }).strict();

/** What the playground sends: a subset of /v1/chat/completions; the gateway applies vLLM's own rules on top. */
export const playgroundChatBodySchema = z
  .object({
    model: z.string().trim().min(1).max(200),
    messages: z.array(chatMessage).min(1).max(200),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.int().positive().max(1_000_000).optional(),
    stream: z.boolean().default(true),
    stream_options: z.object({ include_usage: z.boolean() }).strict().optional(),
    /** vLLM's own: generate max_tokens whatever the model would say (to measure speed over a set length). */
    ignore_eos: z.boolean().optional(),
  })
  .strict();

export type PlaygroundChatBody = z.input<typeof playgroundChatBodySchema>;

/** The headers of the console's request that the gateway reads about its client: the address (as the server recorded it) and the browser. */
const FORWARDED_HEADERS = ["host", PEER_HEADER, "x-forwarded-for", "user-agent"];

/**
 * POST /api/playground/chat: a chat completion through the gateway as the console. The answer is the gateway's
 * own, untouched: JSON or Server-Sent Events, OpenAI-shaped errors, and the x-switchyard-log-id, -route,
 * -route-reason and -backend headers. The console's own refusals (no session, a bad body) are the API's envelope.
 * The console request's signal is the gateway request's: a client that hangs up (the Stop button) aborts upstream.
 */
export const playgroundChat = apiRoute({ body: playgroundChatBodySchema }, async ({ request, switchyard, body }) => {
  const headers = new Headers({ "content-type": "application/json" });
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const gatewayRequest = new Request(new URL("/v1/chat/completions", request.url), { method: "POST", headers, body: JSON.stringify(body), signal: request.signal });
  // The gateway's own routes count their entries; this one is handed over here, so it counts itself.
  switchyard.metrics.countEntry("playground");
  return switchyard.gateway.handle(gatewayRequest, "chat", { principal: consolePrincipal });
});

/** A name the playground can chat with. */
export interface PlaygroundModel {
  id: string;
  /** `route`: a configured route; `auto`: an automatic route; `model`: a backend's served model name. */
  kind: "route" | "auto" | "model";
  /** The backend that serves it in the current mode when all are healthy; null: offline in this mode. */
  backend: string | null;
}

/** GET /api/playground/models. */
export interface PlaygroundModelsView {
  mode: string;
  /** `keys`: a client outside the console needs an API key (the copied curl has a placeholder for it). */
  auth: LabConfig["auth"];
  models: PlaygroundModel[];
}

/** Every chat name (routes first, then served models): names whose backends are all embedding models are left out. */
export function playgroundModels(config: LabConfig, mode: string): PlaygroundModel[] {
  const modes = Object.keys(config.modes);
  return allModelNames(config).flatMap((id) => {
    const target = findRoute(config, id);
    if (!target) return [];
    const backends = new Set(modes.flatMap((m) => routeBackendsInMode(config, m, id)));
    if (backends.size > 0 && [...backends].every((backendId) => config.backends[backendId]?.kind === "embedding")) return [];
    const kind = target.kind === "auto" ? "auto" : config.routes[id] ? "route" : "model";
    return [{ id, kind, backend: servingBackend(config, mode, id) }];
  });
}

/** GET /api/playground/models: what the playground's picker offers (the names of /v1/models, and those offline in this mode). */
export const getPlaygroundModels = apiRoute({}, async ({ switchyard }): Promise<PlaygroundModelsView> => {
  const config = switchyard.config();
  const mode = switchyard.controller.currentMode();
  return { mode, auth: config.auth, models: playgroundModels(config, mode) };
});
