import type { LabConfig } from "@/lib/config/schema";
import { backendsOfMode } from "@/lib/routing/resolve";

/**
 * Expected durations of lab operations from their recorded history (lib/lab/README.md, "Estimates"). Pure: the
 * history is handed in, the config says what to expect before there is any.
 */

/**
 * What a measured duration is of. Per mode pair: `switch` (the whole switch) and `switch_step`; per backend:
 * `restart`, `restart_step`, and what happened to the backend in an operation (`cold_load` = start_containers +
 * wait_ready, `wake`, `sleep`, `stop`).
 */
export type TimingKind = "switch" | "switch_step" | "restart" | "restart_step" | "cold_load" | "wake" | "sleep" | "stop";

export interface TimingSample {
  /** When the measured span ended (epoch ms). */
  at: number;
  kind: TimingKind;
  /** The step's name, for `switch_step` and `restart_step`. */
  step: string | null;
  backendId: string | null;
  fromMode: string | null;
  toMode: string | null;
  durationMs: number;
}

export type TimingKey = Pick<TimingSample, "kind"> & Partial<Pick<TimingSample, "step" | "backendId" | "fromMode" | "toMode">>;

/** The estimate is the median of this many most recent successful runs: one slow outlier does not move it. */
export const ESTIMATE_WINDOW = 5;

/** How long something should take, and from what. */
export interface Expectation {
  expectedMs: number;
  /** `history`: the median of recorded runs; `default`: from the config, nothing comparable was recorded yet. */
  basis: "history" | "default";
  /** Recorded runs the median is taken over (0 for a default). */
  samples: number;
}

/** An operation's expectation, with the steps that have history of their own. */
export interface OperationExpectation extends Expectation {
  steps: Record<string, Expectation>;
}

/** Where a running operation or wait stands against its expectation. */
export interface Remaining {
  expectedMs: number;
  elapsedMs: number;
  /** Expected minus elapsed, never negative. */
  remainingMs: number;
  /** It has run longer than expected: the remaining time is unknown (remainingMs is 0). */
  overdue: boolean;
  basis: Expectation["basis"];
}

/** What an operation is, as far as its expectation goes. */
export interface OperationIdentity {
  kind: "mode_switch" | "restart";
  fromMode: string | null;
  toMode: string | null;
  backendId: string | null;
}

/** Recorded durations per key, oldest first, at most `perKey` each (the rest is in the database). */
export class TimingHistory {
  private readonly byKey = new Map<string, number[]>();
  private readonly steps = new Set<string>();

  constructor(private readonly perKey = 20) {}

  add(sample: TimingSample): void {
    if (sample.step !== null) this.steps.add(sample.step);
    const key = keyOf(sample);
    const list = this.byKey.get(key) ?? [];
    list.push(sample.durationMs);
    if (list.length > this.perKey) list.splice(0, list.length - this.perKey);
    this.byKey.set(key, list);
  }

  durations(key: TimingKey): readonly number[] {
    return this.byKey.get(keyOf(key)) ?? [];
  }

  /** Every step name recorded so far (the controller's, and whatever steps other operations add). */
  stepNames(): string[] {
    return [...this.steps];
  }
}

function keyOf(key: TimingKey): string {
  return [key.kind, key.step ?? "", key.backendId ?? "", key.fromMode ?? "", key.toMode ?? ""].join("\u0000");
}

/** The median of the last `window` durations (oldest first); null without any. */
export function medianOfRecent(durations: readonly number[], window = ESTIMATE_WINDOW): number | null {
  const recent = [...durations.slice(-window)].sort((a, b) => a - b);
  if (recent.length === 0) return null;
  const middle = Math.floor(recent.length / 2);
  return recent.length % 2 === 1 ? recent[middle]! : (recent[middle - 1]! + recent[middle]!) / 2;
}

/** Where a run stands `elapsedMs` after it began. */
export function remainingOf(expectation: Expectation, elapsedMs: number): Remaining {
  const elapsed = Math.max(0, elapsedMs);
  return {
    expectedMs: expectation.expectedMs,
    elapsedMs: elapsed,
    remainingMs: Math.max(0, expectation.expectedMs - elapsed),
    overdue: elapsed > expectation.expectedMs,
    basis: expectation.basis,
  };
}

/**
 * Steps of an operation, besides the ones every operation has, do not take long on their own; an operation
 * without history is expected to take its slowest cold load plus this.
 */
export const DEFAULT_OPERATION_OVERHEAD_MS = 1_000;
/** Before a docker backend has loaded once, its cold load is expected to take this share of lab.loadTimeoutSeconds. */
export const DEFAULT_LOAD_SHARE_OF_TIMEOUT = 0.25;
/** The simulator's load time when a backend's `sim` block does not say (lib/config/schema.ts's default). */
const DEFAULT_SIM_LOAD_MS = 1_500;

/** Expectations from the history, with the config's defaults where nothing comparable was recorded. */
export class Estimator {
  constructor(
    private readonly history: TimingHistory,
    private readonly config: () => LabConfig,
  ) {}

  /** How long `backendId` takes from start to ready (its cold loads; else its sim.loadMs, or a share of the load timeout). */
  coldLoad(backendId: string): Expectation {
    return this.fromHistory({ kind: "cold_load", backendId }) ?? { expectedMs: defaultColdLoadMs(this.config(), backendId), basis: "default", samples: 0 };
  }

  modeSwitch(fromMode: string, toMode: string): OperationExpectation {
    const config = this.config();
    const entering = backendsOfMode(config, toMode).filter((id) => !backendsOfMode(config, fromMode).includes(id));
    const whole = this.fromHistory({ kind: "switch", fromMode, toMode }) ?? this.defaultFor(entering);
    return { ...whole, steps: this.stepsWithHistory("switch_step", { fromMode, toMode }) };
  }

  restart(backendId: string): OperationExpectation {
    const whole = this.fromHistory({ kind: "restart", backendId }) ?? this.defaultFor([backendId]);
    return { ...whole, steps: this.stepsWithHistory("restart_step", { backendId }) };
  }

  forOperation(op: OperationIdentity): OperationExpectation {
    if (op.kind === "restart" && op.backendId !== null) return this.restart(op.backendId);
    return this.modeSwitch(op.fromMode ?? "", op.toMode ?? "");
  }

  private defaultFor(backendsToLoad: string[]): Expectation {
    const loads = backendsToLoad.map((id) => this.coldLoad(id).expectedMs);
    return { expectedMs: Math.max(0, ...loads) + DEFAULT_OPERATION_OVERHEAD_MS, basis: "default", samples: 0 };
  }

  private stepsWithHistory(kind: "switch_step" | "restart_step", key: Omit<TimingKey, "kind" | "step">): Record<string, Expectation> {
    const steps: Record<string, Expectation> = {};
    for (const step of this.history.stepNames()) {
      const expectation = this.fromHistory({ kind, step, ...key });
      if (expectation) steps[step] = expectation;
    }
    return steps;
  }

  private fromHistory(key: TimingKey): Expectation | null {
    const durations = this.history.durations(key);
    const median = medianOfRecent(durations);
    return median === null ? null : { expectedMs: median, basis: "history", samples: Math.min(durations.length, ESTIMATE_WINDOW) };
  }
}

/** A backend's cold load before it has one on record: nothing for one Switchyard does not start. */
export function defaultColdLoadMs(config: LabConfig, backendId: string): number {
  const backend = config.backends[backendId];
  if (!backend || config.runtime === "none") return 0;
  if (config.runtime === "simulated") return backend.sim?.loadMs ?? DEFAULT_SIM_LOAD_MS;
  if (!backend.container) return 0;
  return config.lab.loadTimeoutSeconds * 1000 * DEFAULT_LOAD_SHARE_OF_TIMEOUT;
}
