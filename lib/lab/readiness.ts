import type { LabConfig } from "@/lib/config/schema";
import type { EventBus } from "@/lib/events/bus";
import { backendsOfMode } from "@/lib/routing/resolve";
import type { ContainerInfo, ContainerRuntime } from "@/lib/runtime/types";
import type { BackendHealthStatus } from "./backend-health";
import type { Clock } from "./clock";
import { seconds } from "./step-actions";

/** Whether a backend of the current mode that cannot take requests now will come back without anyone acting. */
export type BackendOutlook = { coming: true; why: string } | { coming: false; why: string };

export interface LabReadinessDeps {
  config: () => LabConfig;
  runtime: ContainerRuntime | null;
  health: { status(backendId: string): BackendHealthStatus; refresh(): Promise<void> };
  /** The watchdog, when there is one (a runtime): whether it restarts a backend, and when it may next. */
  watchdog: { isEnabled(backendId: string): boolean; hasGivenUp(backendId: string): boolean; nextAttemptAt(backendId: string): number | null } | null;
  lab: { currentMode(): string; isAdmitting(backendId: string): boolean; runningOperation(): unknown };
  bus: EventBus;
  clock: Clock;
}

/** How long a container's inspection is reused: waiting requests ask often, the Docker API need not answer each. */
const INSPECT_CACHE_MS = 1_000;
/** While requests wait for a backend to get ready, its health is probed this often (not every 2 s). */
const WAITING_PROBE_MS = 500;

/**
 * The lab's readiness as the gateway and `/readyz` see it: which backends that are down will come back by
 * themselves (a container still loading its model, a crash the watchdog will restart in time), and when something
 * changed that may let a waiting request through. See lib/lab/README.md, "Readiness".
 */
export class LabReadiness {
  private readonly inspected = new Map<string, { at: number; info: ContainerInfo | null }>();
  private lastRefreshAt = 0;

  constructor(private readonly deps: LabReadinessDeps) {}

  /**
   * Coming: the container runs and is within its load time, or the watchdog will restart it within `withinMs`.
   * Not coming: an external backend, a container the runtime cannot inspect, a crash with the watchdog off, or a
   * watchdog backing off beyond the wait.
   */
  async outlook(backendId: string, withinMs: number): Promise<BackendOutlook> {
    const { config: configOf, runtime, watchdog, clock } = this.deps;
    const config = configOf();
    const backend = config.backends[backendId];
    if (!backend || !runtime || !(backend.container || config.runtime === "simulated")) {
      return { coming: false, why: `${backendId} is external: Switchyard cannot start it` };
    }
    const info = await this.inspect(runtime, backendId);
    // Unreachable engine or missing container: a restart would fail as well.
    if (!info) return { coming: false, why: `${backendId} is down and the container runtime cannot tell its state` };
    const now = clock.now();
    const startedAt = info.startedAt?.getTime();
    const running = info.state === "running" || info.state === "restarting";
    if (running && startedAt !== undefined && now - startedAt < config.lab.loadTimeoutSeconds * 1000) {
      return { coming: true, why: `${backendId} is loading, started ${seconds(now - startedAt)} ago` };
    }
    if (!watchdog || !watchdog.isEnabled(backendId)) return { coming: false, why: `${backendId} is down and the watchdog is off for it` };
    if (watchdog.hasGivenUp(backendId)) return { coming: false, why: `${backendId} is down and the watchdog gave up on it after lab.watchdogMaxRestarts restarts` };
    const next = watchdog.nextAttemptAt(backendId);
    if (next !== null && next > now + withinMs) {
      return { coming: false, why: `${backendId} is down and the watchdog backs off: its next restart is in ${seconds(next - now)}` };
    }
    return { coming: true, why: `the watchdog restarts ${backendId}${next !== null && next > now ? ` in ${seconds(next - now)}` : ""}` };
  }

  /**
   * Resolves at the next change that may let a waiting request through (a health state changed, an operation
   * started or ended), or after `timeoutMs`. Meanwhile the backends are probed every half second.
   */
  nextChange(timeoutMs: number): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastRefreshAt >= WAITING_PROBE_MS) {
      this.lastRefreshAt = now;
      void this.deps.health.refresh();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, Math.min(timeoutMs, WAITING_PROBE_MS));
      const unsubscribe = this.deps.bus.subscribe((event) => {
        if (event.type === "status" || event.type === "operation_done") done();
      });
    });
  }

  /** The strict readiness of `/readyz?strict=1`: no operation runs, and every backend of the mode passed its health check. */
  modeReadiness(): { ready: boolean; mode: string; backends: Record<string, string>; operationRunning: boolean } {
    const { config, lab, health } = this.deps;
    const mode = lab.currentMode();
    const backends = Object.fromEntries(backendsOfMode(config(), mode).map((id) => [id, lab.isAdmitting(id) ? health.status(id).state : "stopped"]));
    const operationRunning = lab.runningOperation() !== null;
    return { ready: !operationRunning && Object.values(backends).every((state) => state === "ready"), mode, backends, operationRunning };
  }

  private async inspect(runtime: ContainerRuntime, backendId: string): Promise<ContainerInfo | null> {
    const now = this.deps.clock.now();
    const cached = this.inspected.get(backendId);
    if (cached && now - cached.at < INSPECT_CACHE_MS) return cached.info;
    const info = await runtime.inspect(backendId).catch(() => null);
    this.inspected.set(backendId, { at: now, info });
    return info;
  }
}
