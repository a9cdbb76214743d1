import type { z } from "zod";
import {
  chatRequestSchema,
  completionRequestSchema,
  detokenizeRequestSchema,
  embeddingRequestSchema,
  responsesRequestSchema,
  tokenizeRequestSchema,
} from "./schemas";

/**
 * The gateway's endpoints: the one table for the gateway itself, the route files, the server's fast path and
 * the tests. Proxied endpoints keep vLLM's own paths (clients and upstream see the same one), with the body
 * schema and whether usage is injected into streams.
 */
export const proxiedEndpoints = {
  chat: { path: "/v1/chat/completions", schema: chatRequestSchema, usageInjection: true },
  completions: { path: "/v1/completions", schema: completionRequestSchema, usageInjection: true },
  embeddings: { path: "/v1/embeddings", schema: embeddingRequestSchema, usageInjection: false },
  responses: { path: "/v1/responses", schema: responsesRequestSchema, usageInjection: false },
  tokenize: { path: "/tokenize", schema: tokenizeRequestSchema, usageInjection: false },
  detokenize: { path: "/detokenize", schema: detokenizeRequestSchema, usageInjection: false },
} satisfies Record<string, { path: string; schema: z.ZodType; usageInjection: boolean }>;

export type ProxiedEndpoint = keyof typeof proxiedEndpoints;
/** `stored_response`: GET /v1/responses/{id} and POST /v1/responses/{id}/cancel, answered by the vLLM that made it. */
export type Endpoint = ProxiedEndpoint | "models" | "model" | "stored_response" | "unknown";

const MODEL_CARD_PREFIX = "/v1/models/";

const endpointByPath: ReadonlyMap<string, Endpoint> = new Map<string, Endpoint>([
  ...Object.entries(proxiedEndpoints).map(([endpoint, { path }]) => [path, endpoint as ProxiedEndpoint] as const),
  ["/v1/models", "models"],
]);

const STORED_RESPONSE_PATH = /^\/v1\/responses\/[^/]+(?:\/cancel)?$/;

export function endpointOf(pathname: string): Endpoint {
  const known = endpointByPath.get(pathname);
  if (known) return known;
  if (pathname.startsWith(MODEL_CARD_PREFIX)) return "model";
  return STORED_RESPONSE_PATH.test(pathname) ? "stored_response" : "unknown";
}

/** The endpoints that carry model traffic: the server hands these straight to the gateway. */
export function isProxiedEndpoint(endpoint: Endpoint): endpoint is ProxiedEndpoint {
  return Object.hasOwn(proxiedEndpoints, endpoint);
}
