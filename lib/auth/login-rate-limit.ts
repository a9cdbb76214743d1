/**
 * Failed sign-ins in a sliding window (in memory; a restart forgets them). Every attempt counts as a failure
 * until it succeeds, so a burst of parallel guesses cannot all slip past the check while scrypt is still running.
 *
 * Who is counted:
 * - A browser that has signed in before carries a device cookie (lib/auth/device-cookie.ts): its failures are
 *   counted per device, and nothing other clients do can block it. This is what keeps an attacker from locking
 *   the operator out.
 * - Anyone else is counted per client address: the socket's peer, or with `server.trustProxy` the client named
 *   by the trusted proxies (lib/auth/request-facts.ts), so a client cannot rotate it by sending headers.
 * - A global ceiling on failures from unknown devices bounds an attacker with many real addresses; reaching it
 *   blocks password sign-in for unknown devices on other machines until the window passes. Known devices, this
 *   machine's own loopback (an SSH tunnel), existing sessions and the admin token keep working.
 */

export interface LoginRateLimitOptions {
  maxFailures?: number;
  windowMs?: number;
  maxFailuresOverall?: number;
  now?: () => number;
}

/** Who is signing in: a known device's id (from a valid device cookie), else the client's address. */
export type LoginClient = { device: string } | { address: string; loopback: boolean };

export type LoginAttempt = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class LoginRateLimiter {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxFailuresOverall: number;
  private readonly now: () => number;
  private readonly failures = new Map<string, number[]>();
  /** Failures of unknown devices, for the global ceiling. */
  private overall: number[] = [];

  constructor(options: LoginRateLimitOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxFailuresOverall = options.maxFailuresOverall ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** Call before checking the password: refuses when this client (or every unknown one) failed too often, else counts the attempt. */
  attempt(client: LoginClient): LoginAttempt {
    const now = this.now();
    this.prune(now);
    const key = keyOf(client);
    const mine = this.failures.get(key) ?? [];
    const subjectToCeiling = !("device" in client) && !client.loopback;
    const blockedUntil = Math.max(
      this.blockedUntil(mine, this.maxFailures, now),
      subjectToCeiling ? this.blockedUntil(this.overall, this.maxFailuresOverall, now) : 0,
    );
    if (blockedUntil > now) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((blockedUntil - now) / 1000)) };
    mine.push(now);
    this.failures.set(key, mine);
    if (!("device" in client)) this.overall.push(now);
    return { allowed: true };
  }

  /** The attempt was right: it was no failure, and the client starts afresh. */
  succeeded(client: LoginClient): void {
    const key = keyOf(client);
    const last = this.failures.get(key)?.at(-1);
    if (last !== undefined && !("device" in client)) {
      const index = this.overall.lastIndexOf(last);
      if (index >= 0) this.overall.splice(index, 1);
    }
    this.failures.delete(key);
  }

  /** When the oldest of the last `limit` failures leaves the window (0 when there are fewer). */
  private blockedUntil(times: readonly number[], limit: number, now: number): number {
    return times.length >= limit ? (times[times.length - limit] ?? now) + this.windowMs : 0;
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    this.overall = this.overall.filter((at) => at > cutoff);
    for (const [key, times] of this.failures) {
      const recent = times.filter((at) => at > cutoff);
      if (recent.length === 0) this.failures.delete(key);
      else if (recent.length !== times.length) this.failures.set(key, recent);
    }
  }
}

function keyOf(client: LoginClient): string {
  return "device" in client ? `device:${client.device}` : `address:${client.address}`;
}
