/**
 * Failed sign-ins per client address in a sliding window (in memory; a restart forgets them). Every attempt
 * counts as a failure until it succeeds, so a burst of parallel guesses cannot all slip past the check while
 * scrypt is still running.
 *
 * The address is the socket's peer, or with `server.trustProxy` the client named by the trusted proxies
 * (lib/auth/request-facts.ts), so a client cannot rotate it by sending headers. A global ceiling on failures
 * from all addresses still bounds many real addresses; reaching it blocks password sign-in for everyone until
 * the window passes (existing sessions and the admin token keep working).
 */

export interface LoginRateLimitOptions {
  maxFailures?: number;
  windowMs?: number;
  maxFailuresOverall?: number;
  now?: () => number;
}

export type LoginAttempt = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class LoginRateLimiter {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxFailuresOverall: number;
  private readonly now: () => number;
  private readonly failures = new Map<string, number[]>();
  private overall: number[] = [];

  constructor(options: LoginRateLimitOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxFailuresOverall = options.maxFailuresOverall ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** Call before checking the password: refuses when the address (or everyone) failed too often, else counts the attempt. */
  attempt(address: string): LoginAttempt {
    const now = this.now();
    this.prune(now);
    const mine = this.failures.get(address) ?? [];
    const blockedUntil = Math.max(
      mine.length >= this.maxFailures ? (mine[mine.length - this.maxFailures] ?? now) + this.windowMs : 0,
      this.overall.length >= this.maxFailuresOverall ? (this.overall[this.overall.length - this.maxFailuresOverall] ?? now) + this.windowMs : 0,
    );
    if (blockedUntil > now) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((blockedUntil - now) / 1000)) };
    mine.push(now);
    this.failures.set(address, mine);
    this.overall.push(now);
    return { allowed: true };
  }

  /** The attempt was right: it was no failure, and the address starts afresh. */
  succeeded(address: string): void {
    const mine = this.failures.get(address);
    const last = mine?.at(-1);
    if (last !== undefined) {
      const index = this.overall.lastIndexOf(last);
      if (index >= 0) this.overall.splice(index, 1);
    }
    this.failures.delete(address);
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    this.overall = this.overall.filter((at) => at > cutoff);
    for (const [address, times] of this.failures) {
      const recent = times.filter((at) => at > cutoff);
      if (recent.length === 0) this.failures.delete(address);
      else if (recent.length !== times.length) this.failures.set(address, recent);
    }
  }
}
