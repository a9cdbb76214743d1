import type { LabConfig } from "@/lib/config/schema";
import type { ContainerRuntime } from "@/lib/runtime/types";
import { backendsOfMode } from "@/lib/routing/resolve";
import type { Clock } from "./clock";

export interface WatchdogBackoff {
  initialMs: number;
  maxMs: number;
  /** A backend healthy this long gets its backoff reset. */
  resetAfterMs: number;
}

export interface WatchdogDeps {
  config: () => LabConfig;
  currentMode: () => string;
  /** True while a mode switch or restart runs: the watchdog keeps out of its way. */
  isBusy: () => boolean;
  /** Starts a restart; the reason is recorded with it. */
  restart: (backendId: string, reason: string) => void;
  runtime: ContainerRuntime;
  health: (backendId: string) => { state: string; reason: string | null; consecutiveFailures: number; since: number };
  recordEvent: (event: { kind: string; severity: "info" | "warning" | "error"; backendId: string; message: string; detail?: Record<string, unknown> }) => void;
  clock: Clock;
  /** Consecutive failed health probes that count as a dead backend. */
  failureThreshold?: number;
  /** A running container that refuses connections is loading its model until this much time has passed. */
  loadTimeoutMs?: number;
  /** Restarts in a row that did not bring the backend back, after which the watchdog gives up on it (default 5). */
  maxRestarts?: number;
  backoff?: WatchdogBackoff;
}

/**
 * Restarts a backend of the current mode whose container exited, was OOM-killed, or failed N health probes in a
 * row, with exponential backoff (10 s doubling to 5 min), recording each action and its reason. Turned off per
 * backend by `watchdog: false` in the config or at run time with `setEnabled`.
 */
export class Watchdog {
  private readonly attempts = new Map<string, { count: number; nextAt: number; gaveUp?: boolean }>();
  private readonly overrides = new Map<string, boolean>();
  private readonly backoff: WatchdogBackoff;

  constructor(private readonly deps: WatchdogDeps) {
    this.backoff = deps.backoff ?? { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };
  }

  isEnabled(backendId: string): boolean {
    return this.overrides.get(backendId) ?? this.deps.config().backends[backendId]?.watchdog ?? false;
  }

  setEnabled(backendId: string, enabled: boolean): void {
    this.overrides.set(backendId, enabled);
  }

  /** When the next restart of a backend may happen (epoch ms), if one is pending. */
  nextAttemptAt(backendId: string): number | null {
    return this.attempts.get(backendId)?.nextAt ?? null;
  }

  /** It stopped restarting this backend after `maxRestarts` that did not bring it back (until it is ready again). */
  hasGivenUp(backendId: string): boolean {
    return this.attempts.get(backendId)?.gaveUp === true;
  }

  /** One look at every backend of the current mode; restarts at most one per call (operations run one at a time). */
  async check(): Promise<void> {
    if (this.deps.isBusy()) return;
    const now = this.deps.clock.now();
    for (const id of backendsOfMode(this.deps.config(), this.deps.currentMode())) {
      if (!this.isEnabled(id)) continue;
      const health = this.deps.health(id);
      const attempt = this.attempts.get(id);
      if (attempt && health.state === "ready" && (attempt.gaveUp || now - health.since >= this.backoff.resetAfterMs)) this.attempts.delete(id);
      const reason = await this.whyDead(id, health);
      if (!reason) continue;
      if (attempt && now < attempt.nextAt) continue;
      if (attempt?.gaveUp) continue;
      const count = (attempt?.count ?? 0) + 1;
      if (attempt && count > (this.deps.maxRestarts ?? 5)) {
        // Restarting forever hides a backend that cannot come back; an operator must look (a restart by hand, or
        // the backend coming back by itself, gives it a fresh budget).
        attempt.gaveUp = true;
        this.deps.recordEvent({
          kind: "watchdog_gave_up",
          severity: "error",
          backendId: id,
          message: `watchdog gave up on ${id} after ${attempt.count} restarts that did not bring it back: ${reason.message}`,
          detail: { ...reason.detail, restarts: attempt.count },
        });
        continue;
      }
      const delay = Math.min(this.backoff.initialMs * 2 ** (count - 1), this.backoff.maxMs);
      this.attempts.set(id, { count, nextAt: now + delay });
      this.deps.recordEvent({
        kind: "watchdog_restart",
        severity: "warning",
        backendId: id,
        message: `watchdog restarts ${id}: ${reason.message} (attempt ${count}; next no sooner than ${Math.round(delay / 1000)} s)`,
        detail: { ...reason.detail, attempt: count, backoffMs: delay },
      });
      try {
        this.deps.restart(id, reason.message);
      } catch (error) {
        this.deps.recordEvent({ kind: "watchdog_restart", severity: "error", backendId: id, message: `watchdog could not restart ${id}: ${(error as Error).message}` });
      }
      return;
    }
  }

  private async whyDead(
    id: string,
    health: { state: string; reason: string | null; consecutiveFailures: number },
  ): Promise<{ message: string; detail: Record<string, unknown> } | null> {
    const info = await this.deps.runtime.inspect(id).catch(() => null);
    if (info && (info.state === "exited" || info.state === "dead")) {
      const lastLines = await this.deps.runtime.logs(id, { tail: 5 }).catch(() => [] as string[]);
      return {
        message: `container exited with code ${info.exitCode ?? "?"}${info.oomKilled ? " (OOM-killed)" : ""}`,
        detail: { exitCode: info.exitCode, oomKilled: info.oomKilled, lastLines },
      };
    }
    const threshold = this.deps.failureThreshold ?? 3;
    if (health.consecutiveFailures < threshold || health.state === "ready") return null;
    // vLLM refuses connections while it loads (minutes when cold): that is not death until the load timeout.
    const startedAt = info?.startedAt?.getTime();
    const loading = health.state === "down" && info?.state === "running" && startedAt !== undefined;
    if (loading && this.deps.clock.now() - startedAt < (this.deps.loadTimeoutMs ?? 600_000)) return null;
    return {
      message: `health probe failed ${health.consecutiveFailures} times (${health.reason ?? health.state})${loading ? " and the model did not finish loading in time" : ""}`,
      detail: { healthReason: health.reason },
    };
  }
}
