/**
 * Counts requests in flight per backend. The auto router reads it to see queueing; admission control
 * (limits and queues) will build on it.
 */
export class InFlightTracker {
  private readonly counts = new Map<string, number>();

  /** Marks one request as in flight; call the returned function exactly once when it ends. */
  acquire(backendId: string): () => void {
    this.counts.set(backendId, this.inFlight(backendId) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.counts.set(backendId, this.inFlight(backendId) - 1);
    };
  }

  inFlight(backendId: string): number {
    return this.counts.get(backendId) ?? 0;
  }

  /** Requests beyond what the backend runs at once: they wait in vLLM's queue. */
  queued(backendId: string, maxConcurrency: number): number {
    return Math.max(0, this.inFlight(backendId) - maxConcurrency);
  }

  total(): number {
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }
}
