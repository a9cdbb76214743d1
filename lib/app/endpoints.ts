import type { Endpoint } from "@/lib/gateway/gateway";

/** The gateway's paths and the endpoint each serves: one table for the fast path, the route files and the tests. */
export const gatewayPaths: Readonly<Record<string, Endpoint>> = {
  "/v1/chat/completions": "chat",
  "/v1/completions": "completions",
  "/v1/embeddings": "embeddings",
  "/v1/responses": "responses",
  "/v1/models": "models",
  "/tokenize": "tokenize",
  "/detokenize": "detokenize",
};

export function endpointOf(pathname: string): Endpoint {
  return gatewayPaths[pathname] ?? (pathname.startsWith("/v1/models/") ? "model" : "unknown");
}
