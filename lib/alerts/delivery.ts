import type { Alert } from "./alert";
import type { AlertsConfig, WebhookConfig } from "./config";
import { webhookRequest } from "./formats";

/** What one attempt (or one drop) came to; the service records it as an AlertDelivery row. */
export interface DeliveryOutcome {
  alert: Alert;
  webhook: string;
  status: "delivered" | "failed" | "dropped";
  at: Date;
  httpStatus: number | null;
  error: string | null;
  durationMs: number | null;
  attempt: number;
  willRetry: boolean;
}

export interface WebhookDispatcherDeps {
  /** The webhook as the config says now (hot reload); undefined once it was removed. */
  webhook: (name: string) => WebhookConfig | undefined;
  delivery: () => AlertsConfig["delivery"];
  record: (outcome: DeliveryOutcome) => void;
  now?: () => number;
}

/** An answer that may be different next time: no answer, a timeout, 408, 429 or a 5xx. A 400 will not get better. */
const retryable = (httpStatus: number | null) => httpStatus === null || httpStatus === 408 || httpStatus === 429 || httpStatus >= 500;
const MAX_RETRY_AFTER_MS = 60_000;
const ERROR_BODY_CHARS = 200;

/**
 * Sends alerts to webhooks off the lab's path: one queue per webhook, worked one alert at a time, so a webhook that
 * hangs holds up only its own queue, never the gateway, the watchdog or another webhook. Every attempt has a timeout
 * and is recorded; failures are retried a bounded number of times with a doubling backoff; a queue that is full
 * drops its oldest alert (recorded as dropped). Nothing here throws into the caller.
 */
export class WebhookDispatcher {
  private readonly queues = new Map<string, { items: Alert[]; running: Promise<void> | null }>();
  private readonly stopping = new AbortController();
  private readonly now: () => number;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.now = deps.now ?? Date.now;
  }

  enqueue(webhook: string, alert: Alert): void {
    if (this.stopping.signal.aborted) return;
    let queue = this.queues.get(webhook);
    if (!queue) this.queues.set(webhook, (queue = { items: [], running: null }));
    const { queueSize } = this.deps.delivery();
    while (queue.items.length >= queueSize) {
      const dropped = queue.items.shift()!;
      this.deps.record(this.dropOutcome(dropped, webhook, `the queue of ${queueSize} alerts was full (the webhook is not keeping up): the oldest was dropped`));
    }
    queue.items.push(alert);
    queue.running ??= this.work(webhook, queue).finally(() => {
      queue.running = null;
    });
  }

  /** One attempt, now, outside the queue (the console's "Send a test"): the answer is the outcome. */
  async sendNow(webhook: WebhookConfig, alert: Alert): Promise<DeliveryOutcome> {
    const outcome = await this.attempt(webhook, alert, 1, false);
    this.deps.record(outcome);
    return outcome;
  }

  /** Alerts waiting per webhook. */
  queued(): Record<string, number> {
    return Object.fromEntries([...this.queues].map(([name, queue]) => [name, queue.items.length]));
  }

  /** Aborts what is being sent, records what waits as dropped, and resolves when every queue has stopped. */
  async stop(): Promise<void> {
    this.stopping.abort();
    const running = [...this.queues.values()].map((queue) => queue.running);
    await Promise.all(running);
  }

  private async work(name: string, queue: { items: Alert[] }): Promise<void> {
    for (let alert = queue.items.shift(); alert; alert = queue.items.shift()) {
      if (this.stopping.signal.aborted) {
        this.deps.record(this.dropOutcome(alert, name, "Switchyard stopped before it was sent"));
        continue;
      }
      const webhook = this.deps.webhook(name);
      if (!webhook) {
        this.deps.record(this.dropOutcome(alert, name, "the webhook was removed from the config"));
        continue;
      }
      await this.deliverWithRetries(webhook, alert);
    }
  }

  private async deliverWithRetries(webhook: WebhookConfig, alert: Alert): Promise<void> {
    const { attempts, backoffSeconds } = this.deps.delivery();
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const last = attempt === attempts || this.stopping.signal.aborted;
      const outcome = await this.attempt(webhook, alert, attempt, !last);
      const willRetry = outcome.status === "failed" && !last && retryable(outcome.httpStatus) && !this.stopping.signal.aborted;
      this.deps.record({ ...outcome, willRetry });
      if (!willRetry) return;
      const delayMs = outcome.retryAfterMs ?? backoffSeconds * 1000 * 2 ** (attempt - 1);
      await sleep(delayMs, this.stopping.signal);
    }
  }

  private async attempt(webhook: WebhookConfig, alert: Alert, attempt: number, mayRetry: boolean): Promise<DeliveryOutcome & { retryAfterMs?: number }> {
    const { timeoutSeconds } = this.deps.delivery();
    const request = webhookRequest(alert, webhook.format);
    const at = new Date(this.now());
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const base = { alert, webhook: webhook.name, at, attempt, willRetry: false };
    // A timer of our own rather than AbortSignal.timeout inside AbortSignal.any: the deadline must hold for the
    // answer's body too, and must fire even if nothing else keeps a reference to the signal.
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutSeconds * 1000);
    const onStop = () => abort.abort();
    if (this.stopping.signal.aborted) abort.abort();
    else this.stopping.signal.addEventListener("abort", onStop, { once: true });
    try {
      const response = await fetch(webhook.url, {
        method: "POST",
        headers: { "user-agent": "Switchyard-alerts", ...request.headers, ...webhook.headers },
        body: request.body,
        redirect: "manual",
        signal: abort.signal,
      });
      const text = await response.text().catch(() => "");
      if (timedOut) throw new Error("timed out");
      if (response.status >= 200 && response.status < 300) return { ...base, status: "delivered", httpStatus: response.status, error: null, durationMs: elapsed() };
      const retryAfter = Number(response.headers.get("retry-after"));
      return {
        ...base,
        status: "failed",
        httpStatus: response.status,
        error: redact(`HTTP ${response.status}${text ? `: ${text.slice(0, ERROR_BODY_CHARS).replace(/\s+/g, " ").trim()}` : ""}`, webhook),
        durationMs: elapsed(),
        ...(mayRetry && response.status === 429 && retryAfter > 0 ? { retryAfterMs: Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS) } : {}),
      };
    } catch (error) {
      const why = timedOut ? `no answer within ${timeoutSeconds} s` : describeFailure(error, this.stopping.signal.aborted);
      return { ...base, status: "failed", httpStatus: null, error: redact(why, webhook), durationMs: elapsed() };
    } finally {
      clearTimeout(timer);
      this.stopping.signal.removeEventListener("abort", onStop);
    }
  }

  private dropOutcome(alert: Alert, webhook: string, why: string): DeliveryOutcome {
    return { alert, webhook, status: "dropped", at: new Date(this.now()), httpStatus: null, error: why, durationMs: null, attempt: 0, willRetry: false };
  }
}

/** Why a request got no answer, without the URL (it may hold a token). */
function describeFailure(error: unknown, stopping: boolean): string {
  if (stopping) return "Switchyard stopped while it was being sent";
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (cause?.code === "ENOTFOUND") return "host not found";
  if (cause?.code) return `could not connect (${cause.code})`;
  return `could not send: ${(error as Error | undefined)?.message ?? String(error)}`;
}

/** The webhook's secrets (its URL, its header values) never reach a record, even when an error or an echo quotes them. */
export function redact(text: string, webhook: Pick<WebhookConfig, "url" | "headers">): string {
  const secrets = [webhook.url, ...Object.values(webhook.headers)].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  return secrets.reduce((result, secret) => result.split(secret).join("•••"), text);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
