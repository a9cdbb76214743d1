import type { LabConfig } from "@/lib/config/schema";

/** vLLM's sleep levels: 1 = weights to host RAM, KV cache discarded; 2 = both discarded (the weights reload on wake). */
export type SleepLevel = 1 | 2;

/**
 * What the lab needs of an engine's sleep mode, by backend id. vLLM serves these only with `--enable-sleep-mode`
 * and `VLLM_SERVER_DEV_MODE=1` (vllm/entrypoints/serve/dev/sleep/api_router.py, .../dev/rpc/api_router.py):
 * `POST /sleep?level=N`, `POST /wake_up[?tags=T]`, `POST /collective_rpc {"method": ...}`, `GET /is_sleeping` ->
 * `{"is_sleeping": bool}`. Every call throws `EngineSleepError` with a sentence an operator can act on; none retries.
 */
export interface EngineSleepControl {
  sleep(backendId: string, level: SleepLevel): Promise<void>;
  /**
   * Wakes an engine that sleeps at `level`. Level 1: `POST /wake_up` (the weights come back from host RAM). Level 2
   * discarded the weights, and a wake maps their memory back without content: `POST /wake_up?tags=weights`, then
   * `POST /collective_rpc {"method":"reload_weights"}` (from disk), then `POST /wake_up?tags=kv_cache`, vLLM's
   * documented order (docs/features/sleep_mode.md); a plain wake would leave the engine answering garbage.
   */
  wakeUp(backendId: string, level: SleepLevel): Promise<void>;
  isSleeping(backendId: string): Promise<boolean>;
}

export class EngineSleepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EngineSleepError";
  }
}

export interface EngineSleepTimeouts {
  /** A level-1 sleep copies the weights to host RAM: seconds for a 32B. */
  sleepMs: number;
  /** A wake copies them back (level 2: maps their memory back). */
  wakeMs: number;
  /** Level 2's `reload_weights` reads the whole model from disk: a minute for a 32B on a slow disk. */
  reloadMs: number;
  /** `GET /is_sleeping` only asks the engine core. */
  queryMs: number;
}

export const defaultSleepTimeouts: EngineSleepTimeouts = { sleepMs: 120_000, wakeMs: 180_000, reloadMs: 300_000, queryMs: 5_000 };

/** The sleep endpoints of the backends' engines over HTTP, at each backend's configured URL. */
export function createEngineSleepClient(config: () => LabConfig, timeouts: EngineSleepTimeouts = defaultSleepTimeouts): EngineSleepControl {
  const urlOf = (backendId: string, path: string) => {
    const backend = config().backends[backendId];
    if (!backend) throw new EngineSleepError(`unknown backend ${backendId}`);
    return new URL(path, backend.url);
  };
  return {
    async sleep(backendId, level) {
      await call(backendId, "POST", urlOf(backendId, `/sleep?level=${level}`), timeouts.sleepMs);
    },
    async wakeUp(backendId, level) {
      if (level !== 2) {
        await call(backendId, "POST", urlOf(backendId, "/wake_up"), timeouts.wakeMs);
        return;
      }
      await call(backendId, "POST", urlOf(backendId, "/wake_up?tags=weights"), timeouts.wakeMs);
      await call(backendId, "POST", urlOf(backendId, "/collective_rpc"), timeouts.reloadMs, { method: "reload_weights" });
      await call(backendId, "POST", urlOf(backendId, "/wake_up?tags=kv_cache"), timeouts.wakeMs);
    },
    async isSleeping(backendId) {
      const text = await call(backendId, "GET", urlOf(backendId, "/is_sleeping"), timeouts.queryMs);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new EngineSleepError(`${backendId}: /is_sleeping answered something that is not JSON: ${text.slice(0, 120)}`);
      }
      const value = (body as { is_sleeping?: unknown } | null)?.is_sleeping;
      if (typeof value !== "boolean") throw new EngineSleepError(`${backendId}: /is_sleeping answered without a boolean is_sleeping: ${text.slice(0, 120)}`);
      return value;
    },
  };
}

async function call(backendId: string, method: "GET" | "POST", url: URL, timeoutMs: number, json?: object): Promise<string> {
  const what = `${method} ${url.pathname}${url.search}`;
  const body = json === undefined ? {} : { body: JSON.stringify(json), headers: { "content-type": "application/json" } };
  let response: Response;
  try {
    response = await fetch(url, { method, ...body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if ((error as Error).name === "TimeoutError") throw new EngineSleepError(`${backendId}: ${what} gave no answer within ${(timeoutMs / 1000).toFixed(1)} s`);
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new EngineSleepError(`${backendId}: ${what} failed: ${cause ?? (error as Error).message}`);
  }
  const text = await response.text().catch(() => "");
  if (response.status === 404) {
    // vLLM mounts the endpoints only in dev mode; a 404 is the usual sign of a missing flag.
    throw new EngineSleepError(`${backendId}: ${what} answered 404: start the engine with --enable-sleep-mode and VLLM_SERVER_DEV_MODE=1`);
  }
  if (!response.ok) throw new EngineSleepError(`${backendId}: ${what} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`);
  return text;
}
