/** Polling helpers the integration suites share: wait for a condition, or for a probe to find a value. */

/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000, intervalMs = 100): Promise<void> {
  await waitUntil(what, async () => ((await check()) ? true : undefined), timeoutMs, intervalMs);
}

/** Polls `probe` until it returns a value (not undefined), and returns it; throws naming `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
