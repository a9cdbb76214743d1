import { callSafely } from "./call-safely";
import type { Collector, CollectorStatus } from "./types";

/** Fetches a URL's body as text; must reject on a non-2xx answer and honour `signal`. */
export type FetchText = (url: string, signal: AbortSignal) => Promise<string>;

export interface ScrapeLoopOptions {
  url: string;
  intervalMs: number;
  /** Per-scrape deadline. Default: the interval, clamped to 1-5 s. */
  timeoutMs?: number;
  fetchText?: FetchText;
  /** Handles one body. Throwing marks the target unavailable with the error's message (e.g. "no GPU metrics"). */
  onText: (text: string, at: number) => void;
  onStatus: (status: CollectorStatus) => void;
  now?: () => number;
}

/** Plain `fetch`: telemetry is off the hot path, so the gateway's upstream pools are not needed here. */
export const fetchTextWithFetch: FetchText = async (url, signal) => {
  const response = await fetch(url, { signal, headers: { accept: "text/plain" } });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`HTTP ${response.status} from ${url}`);
  }
  return response.text();
};

/**
 * Polls `url` every `intervalMs` (never two scrapes at once) and hands each body to `onText`. A failed scrape
 * reports `unavailable` and the loop simply tries again at the next interval: an exporter or a vLLM server
 * coming back is picked up within one interval. Status is reported on changes only, not on every poll.
 */
export function createScrapeLoop(options: ScrapeLoopOptions): Collector {
  const fetchText = options.fetchText ?? fetchTextWithFetch;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? Math.min(5_000, Math.max(1_000, options.intervalMs));

  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: Promise<void> | null = null;
  let abortInFlight: (() => void) | null = null;
  let last: CollectorStatus | null = null;
  let stopping: Promise<void> | null = null;

  const report = (status: CollectorStatus) => {
    const same =
      last?.state === status.state &&
      (status.state !== "unavailable" || (last.state === "unavailable" && last.reason === status.reason));
    if (same) return;
    last = status;
    callSafely(() => options.onStatus(status));
  };

  const scrapeOnce = async () => {
    const controller = new AbortController();
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    abortInFlight = () => controller.abort();
    const startedAt = now();
    try {
      const text = await fetchText(options.url, controller.signal);
      if (stopped) return;
      options.onText(text, startedAt);
      report({ state: "running" });
    } catch (error) {
      if (stopped) return;
      const reason = timedOut ? `no answer from ${options.url} within ${timeoutMs} ms` : describeError(error);
      report({ state: "unavailable", reason, retryInMs: options.intervalMs });
    } finally {
      clearTimeout(deadline);
      abortInFlight = null;
    }
  };

  const loop = () => {
    if (stopped) return;
    const startedAt = now();
    inFlight = scrapeOnce().finally(() => {
      inFlight = null;
      if (stopped) return;
      const elapsed = now() - startedAt;
      timer = setTimeout(loop, Math.max(0, options.intervalMs - elapsed));
    });
  };

  loop();

  return {
    stop() {
      stopping ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        timer = null;
        abortInFlight?.();
        await inFlight;
        report({ state: "stopped" });
      })();
      return stopping;
    },
  };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici wraps connection errors: "fetch failed" with the useful part in `cause`.
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${error.message}: ${cause.message} (${code})` : `${error.message}: ${cause.message}`;
  }
  return error.message;
}

