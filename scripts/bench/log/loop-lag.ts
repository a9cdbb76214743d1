import type { ApiClient } from "./api-client";

/**
 * The app's event-loop delay from its own /metrics: prom-client's default metrics (lib/observability/gateway-metrics.ts,
 * prefix switchyard_) keep a perf_hooks.monitorEventLoopDelay histogram that every scrape reads and resets,
 * so scraping once a second gives the worst delay of each second. That histogram records the time between the
 * turns of a 10 ms timer (an idle loop reads ~10 ms), so the delay is the recorded value less those 10 ms: a stall
 * of S ms reads between S and S + 10.
 */
export const LAG_RESOLUTION_MS = 10;
const MAX = "switchyard_nodejs_eventloop_lag_max_seconds";
const P99 = "switchyard_nodejs_eventloop_lag_p99_seconds";

function gauge(text: string, name: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) return null;
  const value = Number(line.trim().split(/\s+/).at(-1));
  return Number.isFinite(value) ? value : null;
}

export interface LagScrape {
  maxMs: number;
  p99Ms: number;
}

export class LoopLagScraper {
  private timer: NodeJS.Timeout | null = null;
  private scrapes: LagScrape[] = [];
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly api: ApiClient) {}

  /** One scrape: resets the app's histogram (what it read is returned). */
  async scrape(): Promise<LagScrape | null> {
    const text = await this.api.text("/metrics");
    const max = gauge(text, MAX);
    const p99 = gauge(text, P99);
    return max === null || p99 === null ? null : { maxMs: max * 1000, p99Ms: p99 * 1000 };
  }

  /** Resets the histogram, then scrapes every `intervalMs` until stop(). */
  async start(intervalMs = 1000): Promise<void> {
    if ((await this.scrape()) === null) throw new Error(`/metrics has no ${MAX}: the event-loop delay cannot be read`);
    this.scrapes = [];
    this.timer = setInterval(() => {
      this.running = this.running.then(async () => {
        const scrape = await this.scrape().catch(() => null);
        if (scrape) this.scrapes.push(scrape);
      });
    }, intervalMs);
  }

  /** Stops, takes a last scrape (the tail since the last one) and returns every scrape of the period. */
  async stop(): Promise<LagScrape[]> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    const last = await this.scrape().catch(() => null);
    if (last) this.scrapes.push(last);
    return this.scrapes;
  }
}
