import { Pool } from "undici";

/**
 * One keep-alive connection pool per backend origin. Idle sockets close after 4 s, before vLLM's (uvicorn's)
 * 5 s keep-alive does, so a request never lands on a socket the server is closing. Header and body timeouts are
 * off: a long prefill or a slow stream is never cut by a hidden default; the gateway's own timers decide.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  pool(url: string): Pool {
    const origin = new URL(url).origin;
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 4_000,
        headersTimeout: 0,
        bodyTimeout: 0,
        connectTimeout: 5_000,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((pool) => pool.close()));
  }
}

/**
 * Failures that happen before the request leaves: no connection was made, so the backend never saw the prompt.
 * Resets and closed sockets are not here: they can come after the body was written, when vLLM may already be
 * generating, and trying the next candidate would run the prompt twice.
 */
const notSentCodes = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

/** True when the request never reached the upstream, so another candidate may be tried. */
export function isNotSentFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && notSentCodes.has(code);
}

export function describeUpstreamError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(": ") || String(error);
}
