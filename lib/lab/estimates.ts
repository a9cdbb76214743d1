import type { LabConfig } from "@/lib/config/schema";
import type { PrismaClient } from "@/lib/db/client";
import { insertOperationTimings, listRecentOperationTimings, pruneOperationTimings } from "@/lib/db/queries/operation-timings";
import type { EventBus } from "@/lib/events/bus";
import type { Clock } from "./clock";
import type { OperationView } from "./controller";
import { Estimator, remainingOf, TimingHistory, type Expectation, type OperationExpectation, type Remaining, type TimingSample } from "./estimator";
import { timingsOfOperation } from "./operation-timings";

/** Timings kept in the database (and read back at start): the newest this many, a few hundred operations' worth. */
export const KEPT_TIMINGS = 5_000;

/** The running operation against its expectation. */
export interface RunningOperationEstimate {
  operationId: string;
  expectation: OperationExpectation;
  remaining: Remaining;
}

/** Where timings are kept across restarts. */
export interface TimingStore {
  load(): Promise<TimingSample[]>;
  save(samples: TimingSample[], operationId: string | null): Promise<void>;
}

export interface LabEstimatesDeps {
  config: () => LabConfig;
  bus: EventBus;
  /** The controller's running operation (its steps with their times). */
  runningOperation: () => OperationView | null;
  clock: Clock;
  store: TimingStore;
}

/**
 * The lab's measured durations and what they predict: it watches operations on the bus, records a succeeded one's
 * timings (lib/lab/operation-timings.ts) in memory and in the database, and answers how long an operation or a
 * backend's load is expected to take, and how long the running one still has.
 */
export class LabEstimates {
  readonly estimator: Estimator;
  private readonly history = new TimingHistory();
  /** The latest view of each running operation, taken at its step events (the controller forgets it when it ends). */
  private readonly seen = new Map<string, OperationView>();
  private saving: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  private constructor(private readonly deps: LabEstimatesDeps) {
    this.estimator = new Estimator(this.history, deps.config);
    this.unsubscribe = deps.bus.subscribe((event) => {
      if (event.type === "operation_step") {
        const view = deps.runningOperation();
        if (view?.id === event.data.operationId) this.seen.set(view.id, view);
      } else if (event.type === "operation_done") {
        const view = this.seen.get(event.data.operationId);
        this.seen.delete(event.data.operationId);
        if (!view) return;
        const samples = timingsOfOperation({ ...view, status: event.data.status as OperationView["status"] }, deps.config(), deps.clock.now());
        this.record(samples, view.id);
      }
    });
  }

  /** Reads the recorded history, then follows operations as they end. */
  static async start(deps: LabEstimatesDeps): Promise<LabEstimates> {
    const estimates = new LabEstimates(deps);
    const loaded = await deps.store.load().catch((error: unknown) => {
      console.error("[lab] could not read the recorded operation timings; estimates start from the config's defaults", error);
      return [];
    });
    for (const sample of loaded) estimates.history.add(sample);
    return estimates;
  }

  /** Adds measured durations (memory at once, the database in the background; a database error is logged, not thrown). */
  record(samples: TimingSample[], operationId: string | null = null): void {
    if (samples.length === 0) return;
    for (const sample of samples) this.history.add(sample);
    this.saving = this.saving
      .then(() => this.deps.store.save(samples, operationId))
      .catch((error: unknown) => console.error("[lab] could not record operation timings", error));
  }

  /** The running operation, what it is expected to take and how long it still has; null when none runs. */
  runningOperation(): RunningOperationEstimate | null {
    const view = this.deps.runningOperation();
    if (!view) return null;
    const expectation = this.estimator.forOperation(view);
    return { operationId: view.id, expectation, remaining: remainingOf(expectation, this.deps.clock.now() - view.startedAt) };
  }

  /** How long a backend takes from start to ready. */
  backendReady(backendId: string): Expectation {
    return this.estimator.coldLoad(backendId);
  }

  /** Where a backend that began loading at `loadingSince` (epoch ms) stands against its usual load (waits outside an operation, e.g. at start-up). */
  backendLoadRemaining(backendId: string, loadingSince: number): Remaining {
    return remainingOf(this.backendReady(backendId), this.deps.clock.now() - loadingSince);
  }

  /** Resolves once the timings recorded so far are written (tests, shutdown). */
  flush(): Promise<void> {
    return this.saving;
  }

  stop(): void {
    this.unsubscribe();
  }
}

/** Timings in the OperationTiming table, the newest KEPT_TIMINGS of them. */
export function createDbTimingStore(prisma: PrismaClient): TimingStore {
  return {
    async load() {
      const rows = await listRecentOperationTimings(KEPT_TIMINGS, prisma);
      return rows.map((row) => ({ ...row, at: row.at.getTime(), kind: row.kind as TimingSample["kind"] }));
    },
    async save(samples, operationId) {
      await insertOperationTimings(samples.map((sample) => ({ ...sample, at: new Date(sample.at), operationId })), prisma);
      await pruneOperationTimings(KEPT_TIMINGS, prisma);
    },
  };
}
