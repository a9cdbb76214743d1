import { performance } from "node:perf_hooks";
import { retryAfterMs, type OverloadRequestRecord, type OverloadSender } from "./overload-request";

export interface BatchClientOptions {
  /** Requests kept in flight: each worker sends its next request as soon as the previous one ended. */
  concurrency: number;
  send: OverloadSender;
  /** Workers send nothing new once this aborts; the requests in flight run to their end. */
  stop: AbortSignal;
  /**
   * A refused (or failed) worker waits as long as Retry-After says, at most this long, before it sends again:
   * a well-behaved batch client. Without a pause a refused worker would spin on instant 429s and the run would
   * measure that loop rather than admission.
   */
  maxBackoffMs: number;
}

/** A closed-loop batch client; resolves with every request's record once all workers have stopped. */
export async function runBatchClient(options: BatchClientOptions): Promise<OverloadRequestRecord[]> {
  const records: OverloadRequestRecord[] = [];
  const worker = async () => {
    while (!options.stop.aborted) {
      const record = await options.send();
      records.push(record);
      if (record.outcome !== "served") {
        const told = retryAfterMs(record.retryAfter, Date.now()) ?? 1000;
        await sleepUnlessAborted(Math.min(told, options.maxBackoffMs), options.stop);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return records;
}

export interface InteractiveClientOptions {
  /** One request every `intervalMs`, whether or not earlier ones have ended (an open loop, like users). */
  intervalMs: number;
  durationMs: number;
  send: OverloadSender;
  clock?: () => number;
}

/** Sends on a fixed schedule for `durationMs`; resolves with every request's record once all have ended. */
export async function runInteractiveClient(options: InteractiveClientOptions): Promise<OverloadRequestRecord[]> {
  const clock = options.clock ?? (() => performance.now());
  const count = Math.max(1, Math.floor(options.durationMs / options.intervalMs));
  const startsAt = clock();
  const pending: Promise<OverloadRequestRecord>[] = [];
  for (let i = 0; i < count; i += 1) {
    // Scheduled against the start, not the previous send, so timer lateness does not accumulate.
    const wait = startsAt + i * options.intervalMs - clock();
    if (wait > 0) await sleep(wait);
    pending.push(options.send());
  }
  return Promise.all(pending);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
