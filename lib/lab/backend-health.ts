import type { LabConfig } from "@/lib/config/schema";

/** What Switchyard knows of a backend's health right now. */
export type HealthState = "unknown" | "ready" | "down" | "unhealthy";

export interface BackendHealthStatus {
  state: HealthState;
  /** Why it is not ready: the connection error or the /health status. */
  reason: string | null;
  /** Epoch ms of the last change of state. */
  since: number;
  lastCheckAt: number | null;
  /** Active probes that failed in a row (the watchdog acts on it). */
  consecutiveFailures: number;
}

/** Failed probes in a row (timeouts, 5xx) before a backend counts as unhealthy; a refused connection counts at once. */
const UNHEALTHY_AFTER_PROBES = 2;

export type HealthProbe = (url: string, timeoutMs: number) => Promise<{ ok: true } | { ok: false; state: "down" | "unhealthy"; reason: string }>;

/** GET /health: 200 = ready; a refused connection = down (vLLM refuses while loading); anything else = unhealthy. */
export const probeVllmHealth: HealthProbe = async (url, timeoutMs) => {
  try {
    const response = await fetch(new URL("/health", url), { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status === 200 ? { ok: true } : { ok: false, state: "unhealthy", reason: `/health answered ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === "ECONNREFUSED") return { ok: false, state: "down", reason: "connection refused" };
    if ((error as Error).name === "TimeoutError") return { ok: false, state: "unhealthy", reason: `/health gave no answer within ${timeoutMs} ms` };
    return { ok: false, state: "down", reason: cause?.code ?? (error as Error).message };
  }
};

export interface BackendHealthOptions {
  config: () => LabConfig;
  /** Backends to probe (those the current mode runs). */
  backendsToWatch: () => string[];
  intervalMs?: number;
  timeoutMs?: number;
  probe?: HealthProbe;
  /**
   * A one-token generation (lib/lab/probes.ts). A backend marked unhealthy by failing traffic comes back only
   * when this passes too: an engine that hangs or errors on every request still answers /health.
   */
  probeGeneration?: (backendId: string) => Promise<void>;
  onChange?: (backendId: string, status: BackendHealthStatus) => void;
}

/**
 * Active health checks of the backends in service, plus passive marks from the gateway (a refused connection
 * marks a backend down at once, the next passing probe brings it back; failing requests mark it unhealthy, and
 * it comes back once /health and a one-token generation pass).
 */
export class BackendHealth {
  private readonly statuses = new Map<string, BackendHealthStatus>();
  private readonly passiveFailures = new Map<string, number>();
  /** Backends whose unhealthy state is the verdict of failing traffic, not of a probe. */
  private readonly trafficVerdicts = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | null = null;
  private readonly probe: HealthProbe;

  constructor(private readonly options: BackendHealthOptions) {
    this.probe = options.probe ?? probeVllmHealth;
  }

  start(): void {
    if (this.timer) return;
    const tick = () => void this.refresh();
    tick();
    this.timer = setInterval(tick, this.options.intervalMs ?? 2000);
    this.timer.unref();
  }

  /** One round of probes now (requests wait for a backend to get ready); joins the round already running, if any. */
  refresh(): Promise<void> {
    // A slow generation probe must not pile up checks behind it.
    this.checking ??= this.checkAll().finally(() => (this.checking = null));
    return this.checking;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  status(backendId: string): BackendHealthStatus {
    return this.statuses.get(backendId) ?? { state: "unknown", reason: null, since: 0, lastCheckAt: null, consecutiveFailures: 0 };
  }

  /** Unknown counts as healthy: a backend is tried until something says otherwise. */
  isHealthy(backendId: string): boolean {
    const { state } = this.status(backendId);
    return state === "ready" || state === "unknown";
  }

  /**
   * Passive health from real traffic: `threshold` failures in a row (connection failures, 502/503/504, timeouts)
   * mark the backend unhealthy until the active probes pass (see probeGeneration); any other answer resets the
   * count, a passing /health alone does not. 4xx and ordinary 500s are the request's problem, not the backend's,
   * and count as answers.
   */
  recordTraffic(backendId: string, ok: boolean, reason: string, threshold: number): void {
    if (ok) {
      this.passiveFailures.delete(backendId);
      return;
    }
    const failures = (this.passiveFailures.get(backendId) ?? 0) + 1;
    this.passiveFailures.set(backendId, failures);
    if (failures >= threshold) {
      const previous = this.status(backendId);
      this.trafficVerdicts.add(backendId);
      this.set(backendId, "unhealthy", `${failures} failed requests in a row (last: ${reason})`, previous.lastCheckAt, previous.consecutiveFailures);
    }
  }

  markUnreachable(backendId: string, reason: string): void {
    const previous = this.status(backendId);
    this.set(backendId, "down", reason, previous.lastCheckAt, previous.consecutiveFailures);
  }

  async checkAll(): Promise<void> {
    const config = this.options.config();
    await Promise.all(
      this.options.backendsToWatch().map(async (id) => {
        const backend = config.backends[id];
        if (!backend) return;
        const result = await this.probe(backend.url, this.options.timeoutMs ?? 3000);
        const now = Date.now();
        const previous = this.status(id);
        if (result.ok && this.trafficVerdicts.has(id) && this.options.probeGeneration) {
          const generation = await this.options.probeGeneration(id).then(
            () => null,
            (error: unknown) => (error as Error).message,
          );
          if (generation === null) this.recovered(id, now);
          else this.set(id, "unhealthy", `${previous.reason ?? "failing requests"}; the one-token probe failed too: ${generation}`, now, previous.consecutiveFailures + 1);
        } else if (result.ok) {
          // Failures of real requests still count toward a verdict: /health passes for a hung engine too.
          this.set(id, "ready", null, now, 0);
        } else if (result.state === "unhealthy" && previous.consecutiveFailures + 1 < UNHEALTHY_AFTER_PROBES) {
          // One slow or failed probe on a busy host is not a verdict: count it, keep the state.
          this.set(id, previous.state, previous.reason, now, previous.consecutiveFailures + 1);
        } else {
          this.set(id, result.state, result.reason, now, previous.consecutiveFailures + 1);
        }
      }),
    );
  }

  /** Forgets a backend's state (it was stopped on purpose): it starts again from unknown. */
  reset(backendId: string): void {
    this.statuses.delete(backendId);
    this.passiveFailures.delete(backendId);
    this.trafficVerdicts.delete(backendId);
  }

  private recovered(backendId: string, at: number): void {
    this.passiveFailures.delete(backendId);
    this.trafficVerdicts.delete(backendId);
    this.set(backendId, "ready", null, at, 0);
  }

  private set(backendId: string, state: HealthState, reason: string | null, lastCheckAt: number | null, consecutiveFailures: number): void {
    const previous = this.status(backendId);
    const changed = previous.state !== state;
    const status = { state, reason, since: changed ? Date.now() : previous.since, lastCheckAt, consecutiveFailures };
    this.statuses.set(backendId, status);
    if (changed) this.options.onChange?.(backendId, status);
  }
}
