import { expect, test } from "vitest";
import { runBatchClient, runInteractiveClient } from "./overload-clients";
import type { OverloadRequestRecord, RequestOutcome } from "./overload-request";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake sender: each request takes `ms`, ends as `outcome`; it tracks how many are in flight at once. */
function fakeSender(ms: number, outcomeOf: (n: number) => { outcome: RequestOutcome; retryAfter?: string } = () => ({ outcome: "served" })) {
  const state = { inFlight: 0, maxInFlight: 0, sent: 0, sentAt: [] as number[] };
  const send = async (): Promise<OverloadRequestRecord> => {
    const n = state.sent++;
    state.sentAt.push(performance.now());
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    const startedMs = performance.now();
    await sleep(ms);
    state.inFlight -= 1;
    const { outcome, retryAfter } = outcomeOf(n);
    return { lane: "batch", startedMs, endedMs: performance.now(), status: outcome === "served" ? 200 : 429, ttftMs: null, retryAfter: retryAfter ?? null, outcome, problem: null };
  };
  return { send, state };
}

test("the batch client keeps its concurrency in flight and lets the last requests finish after stop", async () => {
  const { send, state } = fakeSender(20);
  const stop = new AbortController();
  const run = runBatchClient({ concurrency: 5, send, stop: stop.signal, maxBackoffMs: 1000 });
  await sleep(100);
  expect(state.inFlight).toBe(5);
  stop.abort();
  const records = await run;
  expect(state.maxInFlight).toBe(5);
  expect(state.inFlight).toBe(0);
  // Every request sent was recorded, including the ones in flight at stop.
  expect(records).toHaveLength(state.sent);
  expect(records.every((r) => r.outcome === "served")).toBe(true);
});

test("a refused batch worker waits as Retry-After says, capped, before sending again", async () => {
  const { send, state } = fakeSender(1, (n) => (n === 0 ? { outcome: "refused", retryAfter: "30" } : { outcome: "served" }));
  const stop = new AbortController();
  const run = runBatchClient({ concurrency: 1, send, stop: stop.signal, maxBackoffMs: 150 });
  await sleep(100);
  expect(state.sent).toBe(1); // still backing off
  await sleep(150);
  expect(state.sent).toBeGreaterThan(1);
  const [refusedAt, nextAt] = state.sentAt;
  expect((nextAt ?? 0) - (refusedAt ?? 0)).toBeGreaterThanOrEqual(140);
  stop.abort();
  await run;
});

test("stop ends a batch worker's back-off at once", async () => {
  const { send } = fakeSender(1, () => ({ outcome: "refused", retryAfter: "60" }));
  const stop = new AbortController();
  const run = runBatchClient({ concurrency: 3, send, stop: stop.signal, maxBackoffMs: 60_000 });
  await sleep(30);
  const stoppedAt = performance.now();
  stop.abort();
  await run;
  expect(performance.now() - stoppedAt).toBeLessThan(1000);
});

test("the interactive client sends on its schedule whether or not earlier requests have ended", async () => {
  const { send, state } = fakeSender(120);
  const started = performance.now();
  const records = await runInteractiveClient({ intervalMs: 25, durationMs: 200, send });
  expect(records).toHaveLength(8);
  // An open loop: slow answers overlap instead of delaying the next send.
  expect(state.maxInFlight).toBeGreaterThanOrEqual(4);
  const last = state.sentAt.at(-1) ?? 0;
  expect(last - started).toBeGreaterThanOrEqual(7 * 25 - 5);
  expect(last - started).toBeLessThan(7 * 25 + 250); // a closed loop would take 7 x 120 ms
});
