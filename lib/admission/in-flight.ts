/** One request's hold on a backend, from the upstream call until its last byte. */
export interface InFlightLease {
  /** Ends the hold; later calls do nothing. */
  release(): void;
  /** What to do if the backend must be emptied (a drain that ran out of time): end the request with an error. */
  onEvict(evict: (reason: string) => void): void;
}

/** Told when a request starts and stops holding a backend: per-request energy shares the GPUs by these. */
export interface InFlightListener {
  started(backendId: string, requestId: string): void;
  ended(backendId: string, requestId: string): void;
}

/**
 * Counts requests in flight per backend and can cut them off. The auto router reads it to see queueing; the lab
 * controller waits on it to drain a backend and evicts what is left when the drain's time is up.
 */
export class InFlightTracker {
  private readonly leases = new Map<string, Set<{ evict: (reason: string) => void }>>();

  constructor(private readonly listener?: InFlightListener) {}

  acquire(backendId: string, requestId?: string): InFlightLease {
    const entry = { evict: (_reason: string) => {} };
    let set = this.leases.get(backendId);
    if (!set) {
      set = new Set();
      this.leases.set(backendId, set);
    }
    set.add(entry);
    const held = set;
    if (requestId !== undefined) this.listener?.started(backendId, requestId);
    return {
      release: () => {
        if (held.delete(entry) && requestId !== undefined) this.listener?.ended(backendId, requestId);
      },
      onEvict: (evict) => {
        entry.evict = evict;
      },
    };
  }

  inFlight(backendId: string): number {
    return this.leases.get(backendId)?.size ?? 0;
  }

  /** Requests beyond what the backend runs at once: they wait in vLLM's queue. */
  queued(backendId: string, maxConcurrency: number): number {
    return Math.max(0, this.inFlight(backendId) - maxConcurrency);
  }

  total(): number {
    let sum = 0;
    for (const set of this.leases.values()) sum += set.size;
    return sum;
  }

  /** Ends every request still on the backend; returns how many were cut. */
  evict(backendId: string, reason: string): number {
    const set = this.leases.get(backendId);
    if (!set) return 0;
    const victims = [...set];
    for (const victim of victims) victim.evict(reason);
    return victims.length;
  }
}
