import { performance } from "node:perf_hooks";
import { Pool } from "undici";

/**
 * Concurrency 1 against the zero-latency simulator, directly and through the gateway, alternating request by
 * request (as scripts/bench/load.ts measureLatency does) but keeping every sample, so blocks run at different
 * times can be pooled.
 */
export interface ProbeTarget {
  origin: string;
  model: string;
}

export class GatewayProbe {
  private readonly direct: Pool;
  private readonly gateway: Pool;
  private readonly bodies: { direct: string; gateway: string };

  constructor(direct: ProbeTarget, gateway: ProbeTarget) {
    const options = { connections: 1, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 };
    this.direct = new Pool(direct.origin, options);
    this.gateway = new Pool(gateway.origin, options);
    const body = (model: string) => JSON.stringify({ model, messages: [{ role: "user", content: "Say hello in a few words." }], max_tokens: 16 });
    this.bodies = { direct: body(direct.model), gateway: body(gateway.model) };
  }

  private async call(pool: Pool, body: string): Promise<number | null> {
    const started = performance.now();
    try {
      const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
      await response.body.arrayBuffer();
      return response.statusCode === 200 ? performance.now() - started : null;
    } catch {
      return null;
    }
  }

  /** `requests` pairs (after `warmup` pairs), alternating which goes first. */
  async run(requests: number, warmup: number): Promise<{ direct: number[]; gateway: number[]; errors: number }> {
    const direct: number[] = [];
    const gateway: number[] = [];
    let errors = 0;
    for (let i = 0; i < warmup + requests; i++) {
      const order = i % 2 === 0 ? (["direct", "gateway"] as const) : (["gateway", "direct"] as const);
      for (const target of order) {
        const ms = await this.call(target === "direct" ? this.direct : this.gateway, this.bodies[target]);
        if (i < warmup) continue;
        if (ms === null) errors += 1;
        else (target === "direct" ? direct : gateway).push(ms);
      }
    }
    return { direct, gateway, errors };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.direct.close(), this.gateway.close()]);
  }
}
