import type { LabConfig } from "@/lib/config/schema";
import { probeVllmHealth } from "./backend-health";
import type { ReadinessProbe } from "./step-actions";

/** GET /health as the mode switch sees it: refused (still loading), unhealthy, or ready. */
export function createReadinessProbe(config: () => LabConfig): ReadinessProbe {
  return async (backendId) => {
    const backend = config().backends[backendId];
    if (!backend) return "unhealthy";
    const result = await probeVllmHealth(backend.url, 2_000);
    if (result.ok) return "ready";
    return result.state === "down" ? "refused" : "unhealthy";
  };
}

/**
 * A one-token request: proves the engine generates (its HTTP server answers /health before the first
 * generation works when CUDA graphs are still being captured, or when the engine died).
 */
export function createGenerationProbe(config: () => LabConfig, timeoutMs = 60_000): (backendId: string) => Promise<void> {
  return async (backendId) => {
    const backend = config().backends[backendId];
    if (!backend) throw new Error(`unknown backend ${backendId}`);
    const [path, body] =
      backend.kind === "embedding"
        ? ["/v1/embeddings", { model: backend.servedModel, input: "ping" }]
        : ["/v1/completions", { model: backend.servedModel, prompt: "ping", max_tokens: 1 }];
    const response = await fetch(new URL(path, backend.url), {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": `switchyard-probe-${Date.now()}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 200)}`);
  };
}
