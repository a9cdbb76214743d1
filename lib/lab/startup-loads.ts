import type { Clock } from "./clock";
import type { TimingSample } from "./estimator";
import type { ReadinessProbe } from "./step-actions";

export interface StartupLoadDeps {
  probeReady: ReadinessProbe;
  /** The one-token completion that ends a load in an operation's wait_ready too. */
  probeGeneration: (backendId: string) => Promise<void>;
  clock: Clock;
  loadTimeoutMs: number;
  pollMs: number;
  /** Whether a lab operation runs now: it owns the backends, and its own timings cover what it does to them. */
  operationRunning: () => boolean;
  record: (samples: TimingSample[]) => void;
}

/**
 * The loads Switchyard starts outside any operation (the mode's containers started by reconcile at start-up) are
 * measured like an operation's `cold_load` (start_containers + wait_ready): from the container's start until
 * `/health` answers and a one-token generation succeeds, polled as wait_ready polls. A load that does not finish
 * within `loadTimeoutMs`, or that a lab operation (a watchdog restart, a switch) overtakes, records nothing:
 * failures and mixed spans never enter the median.
 */
export class StartupLoads {
  private stopped = false;

  constructor(private readonly deps: StartupLoadDeps) {}

  /** Follows each started backend until it is ready (or given up on); resolves when all are done. */
  async follow(startedAt: Record<string, number>): Promise<void> {
    await Promise.all(Object.entries(startedAt).map(([backendId, since]) => this.followOne(backendId, since)));
  }

  /** Stops following (Switchyard is stopping): nothing more is probed or recorded. */
  stop(): void {
    this.stopped = true;
  }

  private async followOne(backendId: string, since: number): Promise<void> {
    const { clock, loadTimeoutMs, pollMs } = this.deps;
    for (;;) {
      if (this.abandoned() || clock.now() - since >= loadTimeoutMs) return;
      if ((await this.deps.probeReady(backendId).catch(() => "refused" as const)) === "ready") {
        const generates = await this.deps.probeGeneration(backendId).then(
          () => true,
          () => false,
        );
        if (generates) break;
      }
      await clock.sleep(pollMs);
    }
    if (this.abandoned()) return;
    const now = clock.now();
    this.deps.record([{ at: now, kind: "cold_load", step: null, backendId, fromMode: null, toMode: null, durationMs: now - since }]);
  }

  private abandoned(): boolean {
    return this.stopped || this.deps.operationRunning();
  }
}
