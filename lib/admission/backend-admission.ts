import { AdmissionError, clampRetryAfterSeconds } from "./admission-error";

export type AdmissionLane = "interactive" | "batch";

/** Read on every call, so a config reload takes effect without restarting anything. */
export interface AdmissionLimits {
  /** Requests this backend runs at once (sequences handed to vLLM). */
  maxConcurrency: number;
  /** Requests that may wait for a slot, both lanes together. 0 = no queue: reject as soon as the backend is full. */
  maxQueue: number;
  /** How long one request may wait in the queue. `Infinity` = no limit (and no timer). */
  queueTimeoutMs: number;
  /** Slots the batch lane may hold at once (default: all); the rest stay free for interactive requests. */
  batchMaxConcurrency?: number;
  /** Batch requests that may wait (default: maxQueue), so batch can never fill the room interactive needs. */
  batchMaxQueue?: number;
}

export interface AdmitOptions {
  lane: AdmissionLane;
  /** The client's request signal: if it aborts while the request waits, the request leaves the queue at once. */
  signal: AbortSignal;
}

/** A slot on a backend. The caller owns it until `release()`, even if the client goes away after admission. */
export interface AdmissionTicket {
  readonly backendId: string;
  readonly lane: AdmissionLane;
  /** Time spent waiting in the queue (0 when admitted at once). */
  readonly queuedMs: number;
  /** Frees the slot and hands it to the next waiter. Later calls do nothing. */
  release(): void;
}

export interface BackendAdmissionSnapshot {
  inFlight: number;
  /** Of `inFlight`, the batch lane's. */
  batchInFlight: number;
  queued: { interactive: number; batch: number };
  limits: AdmissionLimits;
  /** Since start: admitted (at once or after waiting), rejected because the queue was full, timed out, client gone while waiting. */
  totals: { admitted: number; rejectedFull: number; timedOut: number; abandoned: number };
}

export interface AdmissionOptions {
  limits: (backendId: string) => AdmissionLimits;
  /** While both lanes have waiters, at least one grant in every `batchEvery` goes to the batch lane. Default 4. */
  batchEvery?: number;
  /** Milliseconds, monotonic. Defaults to `performance.now()`. */
  now?: () => number;
  /** Service time assumed for Retry-After before a backend has finished any request. Default 5000 ms. */
  initialServiceMs?: number;
  /** Upper bound for Retry-After. Default 60 s. */
  maxRetryAfterSeconds?: number;
}

export function createAdmission(options: AdmissionOptions): BackendAdmission {
  return new BackendAdmission(options);
}

interface Waiter {
  readonly lane: AdmissionLane;
  readonly enqueuedAt: number;
  readonly grant: (ticket: AdmissionTicket) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface BackendState {
  inFlight: number;
  /** Of `inFlight`, the batch lane's. */
  batchInFlight: number;
  // Sets keep insertion order (FIFO) and remove an aborted or timed-out waiter in O(1).
  readonly waiting: Record<AdmissionLane, Set<Waiter>>;
  /** Interactive grants since the last batch grant, counted only while batch requests wait. */
  interactiveSinceBatch: number;
  /** Smoothed time a slot is held, for Retry-After. */
  serviceMs: number | undefined;
  readonly totals: BackendAdmissionSnapshot["totals"];
}

// Weight of the newest request in the smoothed service time: follows load changes within a few dozen requests.
const serviceSmoothing = 0.2;

/**
 * Admission control per backend: at most `maxConcurrency` requests in flight, then a bounded queue with two lanes.
 *
 * Lane rule: interactive waiters go first, but while batch requests wait, every `batchEvery`-th grant goes to the
 * oldest batch waiter, so batch work always progresses (at least 1 of every `batchEvery` slots freed) under a
 * steady interactive load. Within a lane the order is FIFO; nobody overtakes their own lane. The batch lane may be
 * capped below `maxConcurrency` and given a smaller queue, so a flood of batch work can neither take every slot nor
 * fill the queue: interactive requests keep a way in (consistent response times over peak throughput).
 *
 * No timers besides one per waiting request (its queue timeout); no polling: slots move on release.
 */
export class BackendAdmission {
  private readonly backends = new Map<string, BackendState>();
  private readonly limitsOf: (backendId: string) => AdmissionLimits;
  private readonly batchEvery: number;
  private readonly now: () => number;
  private readonly initialServiceMs: number;
  private readonly maxRetryAfterSeconds: number;

  constructor(options: AdmissionOptions) {
    this.limitsOf = options.limits;
    this.batchEvery = options.batchEvery ?? 4;
    if (!Number.isInteger(this.batchEvery) || this.batchEvery < 2) {
      throw new RangeError(`batchEvery must be an integer >= 2 (got ${this.batchEvery}): 1 would put batch ahead of interactive`);
    }
    this.now = options.now ?? (() => performance.now());
    this.initialServiceMs = options.initialServiceMs ?? 5000;
    this.maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 60;
  }

  /**
   * Resolves with a ticket when the request may go to the backend. Rejects with an AdmissionError:
   * "queue_full" at once when the queue is full, "queue_timeout" after waiting `queueTimeoutMs`,
   * "client_gone" as soon as `signal` aborts while waiting (or if it already had).
   */
  async admit(backendId: string, { lane, signal }: AdmitOptions): Promise<AdmissionTicket> {
    const state = this.stateOf(backendId);
    const limits = this.limitsOf(backendId);
    // The limits may have grown since the last call: let waiters in before judging the newcomer.
    this.pump(backendId, state, limits);

    if (signal.aborted) {
      state.totals.abandoned += 1;
      throw new AdmissionError("client_gone", "The client went away before the request was admitted.", 1);
    }
    const queued = state.waiting.interactive.size + state.waiting.batch.size;
    // Nobody overtakes their own lane; interactive may pass waiting batch requests, which cannot use a reserved slot.
    const noneAhead = lane === "interactive" ? state.waiting.interactive.size === 0 : queued === 0;
    if (noneAhead && state.inFlight < limits.maxConcurrency && (lane === "interactive" || this.batchMayRun(state, limits))) {
      return this.grant(backendId, state, lane, 0);
    }
    const laneFull = lane === "batch" && state.waiting.batch.size >= (limits.batchMaxQueue ?? limits.maxQueue);
    if (queued >= limits.maxQueue || laneFull) {
      state.totals.rejectedFull += 1;
      throw new AdmissionError(
        "queue_full",
        `Backend ${backendId} is at capacity (${state.inFlight} running, ${queued} waiting); retry later.`,
        this.retryAfterSeconds(backendId),
      );
    }

    return new Promise<AdmissionTicket>((resolve, reject) => {
      const waiter: Waiter = {
        lane,
        enqueuedAt: this.now(),
        grant: resolve,
        signal,
        onAbort: () => {
          this.dequeue(state, waiter);
          state.totals.abandoned += 1;
          reject(new AdmissionError("client_gone", "The client went away while the request was queued.", 1));
        },
        timer: undefined,
      };
      state.waiting[lane].add(waiter);
      signal.addEventListener("abort", waiter.onAbort, { once: true });
      if (Number.isFinite(limits.queueTimeoutMs)) {
        waiter.timer = setTimeout(() => {
          this.dequeue(state, waiter);
          state.totals.timedOut += 1;
          reject(
            new AdmissionError(
              "queue_timeout",
              `Backend ${backendId} did not free a slot within ${Math.round(limits.queueTimeoutMs / 1000)} s; retry later.`,
              this.retryAfterSeconds(backendId),
            ),
          );
        }, Math.max(0, limits.queueTimeoutMs));
      }
    });
  }

  /**
   * Seconds until a new request would likely get a slot: the line ahead of it (waiters + itself) divided over
   * the backend's slots, times the smoothed service time. At least 1.
   */
  retryAfterSeconds(backendId: string): number {
    const state = this.backends.get(backendId);
    const limits = this.limitsOf(backendId);
    const ahead = (state ? state.waiting.interactive.size + state.waiting.batch.size : 0) + 1;
    const serviceMs = state?.serviceMs ?? this.initialServiceMs;
    const seconds = (ahead * serviceMs) / Math.max(1, limits.maxConcurrency) / 1000;
    return clampRetryAfterSeconds(seconds, this.maxRetryAfterSeconds);
  }

  /** Call after a config reload: backends whose limits grew admit their waiters now rather than on the next release. */
  limitsChanged(): void {
    for (const [backendId, state] of this.backends) this.pump(backendId, state, this.limitsOf(backendId));
  }

  /** Every backend that has seen a request, for /api/status and metrics. */
  snapshot(): Record<string, BackendAdmissionSnapshot> {
    const result: Record<string, BackendAdmissionSnapshot> = {};
    for (const backendId of this.backends.keys()) result[backendId] = this.snapshotOf(backendId);
    return result;
  }

  snapshotOf(backendId: string): BackendAdmissionSnapshot {
    const state = this.backends.get(backendId);
    return {
      inFlight: state?.inFlight ?? 0,
      batchInFlight: state?.batchInFlight ?? 0,
      queued: { interactive: state?.waiting.interactive.size ?? 0, batch: state?.waiting.batch.size ?? 0 },
      limits: { ...this.limitsOf(backendId) },
      totals: state ? { ...state.totals } : { admitted: 0, rejectedFull: 0, timedOut: 0, abandoned: 0 },
    };
  }

  private stateOf(backendId: string): BackendState {
    let state = this.backends.get(backendId);
    if (!state) {
      state = {
        inFlight: 0,
        batchInFlight: 0,
        waiting: { interactive: new Set(), batch: new Set() },
        interactiveSinceBatch: 0,
        serviceMs: undefined,
        totals: { admitted: 0, rejectedFull: 0, timedOut: 0, abandoned: 0 },
      };
      this.backends.set(backendId, state);
    }
    return state;
  }

  private batchMayRun(state: BackendState, limits: AdmissionLimits): boolean {
    return state.batchInFlight < (limits.batchMaxConcurrency ?? limits.maxConcurrency);
  }

  private grant(backendId: string, state: BackendState, lane: AdmissionLane, queuedMs: number): AdmissionTicket {
    state.inFlight += 1;
    if (lane === "batch") state.batchInFlight += 1;
    state.totals.admitted += 1;
    if (lane === "batch" || state.waiting.batch.size === 0) state.interactiveSinceBatch = 0;
    else state.interactiveSinceBatch += 1;

    const grantedAt = this.now();
    let released = false;
    return {
      backendId,
      lane,
      queuedMs,
      release: () => {
        if (released) return;
        released = true;
        state.inFlight -= 1;
        if (lane === "batch") state.batchInFlight -= 1;
        const heldMs = this.now() - grantedAt;
        state.serviceMs = state.serviceMs === undefined ? heldMs : state.serviceMs + serviceSmoothing * (heldMs - state.serviceMs);
        this.pump(backendId, state, this.limitsOf(backendId));
      },
    };
  }

  /** Hands free slots to waiters, in lane order. */
  private pump(backendId: string, state: BackendState, limits: AdmissionLimits): void {
    while (state.inFlight < limits.maxConcurrency) {
      const waiter = this.nextWaiter(state, this.batchMayRun(state, limits));
      if (!waiter) return;
      this.dequeue(state, waiter);
      waiter.grant(this.grant(backendId, state, waiter.lane, this.now() - waiter.enqueuedAt));
    }
  }

  private nextWaiter(state: BackendState, batchMayRun: boolean): Waiter | undefined {
    const interactive = first(state.waiting.interactive);
    const batch = batchMayRun ? first(state.waiting.batch) : undefined;
    if (!batch) return interactive;
    if (!interactive) return batch;
    return state.interactiveSinceBatch >= this.batchEvery - 1 ? batch : interactive;
  }

  private dequeue(state: BackendState, waiter: Waiter): void {
    state.waiting[waiter.lane].delete(waiter);
    waiter.signal.removeEventListener("abort", waiter.onAbort);
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const item of set) return item;
  return undefined;
}
