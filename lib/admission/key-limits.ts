import { AdmissionError, clampRetryAfterSeconds } from "./admission-error";

/** One API key's limits; absent or null = no limit of that kind. */
export interface KeyLimits {
  /** Requests of this key in flight at once (admitted or waiting in a backend queue). */
  concurrency?: number | null;
  /** Sustained request rate. Bursts of up to one minute's allowance pass (token bucket, capacity = this value). */
  requestsPerMinute?: number | null;
}

export interface KeyLimiterOptions {
  /** Milliseconds, monotonic. Defaults to `performance.now()`. */
  now?: () => number;
  /** Upper bound for Retry-After. Default 60 s. */
  maxRetryAfterSeconds?: number;
}

export interface KeyUsageSnapshot {
  inFlight: number;
  /** Requests the key could start right now under its rate limit (null when it has none). */
  tokens: number | null;
}

export function createKeyLimiter(options: KeyLimiterOptions = {}): KeyLimiter {
  return new KeyLimiter(options);
}

interface KeyState {
  inFlight: number;
  /** Token bucket; undefined until the key first meets a rate limit. */
  tokens: number | undefined;
  refilledAt: number;
  /** Smoothed time a request holds a concurrency slot, for Retry-After. */
  holdMs: number | undefined;
}

// Rounding slack so that refills adding up to exactly one token count as one.
const epsilon = 1e-9;
const holdSmoothing = 0.2;

/**
 * Per-API-key limits, checked before a request reaches a backend's queue. Deterministic: time only comes from
 * `now`, and nothing runs in the background. State is kept per key id seen (bounded by the number of API keys).
 */
export class KeyLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly now: () => number;
  private readonly maxRetryAfterSeconds: number;

  constructor(options: KeyLimiterOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 60;
  }

  /**
   * Takes one concurrency slot and one rate token for the key, or throws an AdmissionError
   * ("key_concurrency" or "key_rate") with the seconds to wait. A refused request consumes nothing.
   * Returns the release function (idempotent); call it when the request ends, whatever the outcome.
   */
  acquire(keyId: string, limits: KeyLimits): () => void {
    const now = this.now();
    const state = this.stateOf(keyId, now);
    const { concurrency, requestsPerMinute } = limits;

    if (concurrency != null && state.inFlight >= concurrency) {
      // With `concurrency` requests staggered over the hold time, one ends every holdMs / concurrency on average.
      const seconds = (state.holdMs ?? 1000) / Math.max(1, concurrency) / 1000;
      throw new AdmissionError(
        "key_concurrency",
        `This API key already has ${state.inFlight} requests in flight (limit ${concurrency}); retry when one finishes.`,
        clampRetryAfterSeconds(seconds, this.maxRetryAfterSeconds),
      );
    }

    if (requestsPerMinute != null) {
      const tokens = this.refill(state, requestsPerMinute, now);
      if (tokens < 1 - epsilon) {
        const seconds = ((1 - tokens) * 60) / requestsPerMinute;
        throw new AdmissionError(
          "key_rate",
          `This API key is limited to ${requestsPerMinute} requests per minute; retry shortly.`,
          clampRetryAfterSeconds(seconds, this.maxRetryAfterSeconds),
        );
      }
      state.tokens = Math.max(0, tokens - 1);
    }

    state.inFlight += 1;
    const acquiredAt = now;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.inFlight -= 1;
      const heldMs = this.now() - acquiredAt;
      state.holdMs = state.holdMs === undefined ? heldMs : state.holdMs + holdSmoothing * (heldMs - state.holdMs);
    };
  }

  snapshotOf(keyId: string, limits: KeyLimits): KeyUsageSnapshot {
    const state = this.keys.get(keyId);
    const rpm = limits.requestsPerMinute;
    let tokens: number | null = null;
    if (rpm != null) tokens = state ? Math.floor(this.refill(state, rpm, this.now()) + epsilon) : Math.floor(Math.max(1, rpm));
    return { inFlight: state?.inFlight ?? 0, tokens };
  }

  private stateOf(keyId: string, now: number): KeyState {
    let state = this.keys.get(keyId);
    if (!state) {
      state = { inFlight: 0, tokens: undefined, refilledAt: now, holdMs: undefined };
      this.keys.set(keyId, state);
    }
    return state;
  }

  /** Brings the bucket up to `now` and returns its level. A key new to rate limits starts with a full bucket. */
  private refill(state: KeyState, requestsPerMinute: number, now: number): number {
    // A rate below one a minute still lets a request through now and then rather than never.
    const capacity = Math.max(1, requestsPerMinute);
    const before = state.tokens ?? capacity;
    const elapsedMs = Math.max(0, now - state.refilledAt);
    state.tokens = Math.min(capacity, before + (elapsedMs * requestsPerMinute) / 60_000);
    state.refilledAt = now;
    return state.tokens;
  }
}
