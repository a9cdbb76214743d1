import { z } from "zod";
import { SimFaults } from "./options";
import { StreamOptions } from "./protocol";

/** `GET /_sim/state`: what tests read to see what the simulator received and noticed. */

export const RecentRequest = z.object({
  method: z.string(),
  path: z.string(),
  /** The `x-request-id` request header, if any. */
  xRequestId: z.string().nullable(),
  /** All request headers, lower-cased (multi-valued ones joined with ", "). */
  headers: z.record(z.string(), z.string()),
  model: z.string().nullable(),
  /** `stream` as received (null when absent or not a boolean). */
  stream: z.boolean().nullable(),
  /** `stream_options` as received (null when absent or not an object). */
  streamOptions: StreamOptions.nullable(),
  /** Epoch ms. */
  receivedAt: z.number(),
});
export type RecentRequest = z.output<typeof RecentRequest>;

export const AbortRecord = z.object({
  path: z.string(),
  xRequestId: z.string().nullable(),
  /** Epoch ms when the simulator noticed the client went away. */
  at: z.number(),
  /** Tokens streamed (or generated, for a non-streaming request) before the abort. */
  tokensSent: z.number(),
  /** Whether the request had been scheduled (false: it was still in the waiting queue). */
  wasRunning: z.boolean(),
});
export type AbortRecord = z.output<typeof AbortRecord>;

export const SimTotals = z.object({
  requests: z.number(),
  finished: z.number(),
  aborted: z.number(),
  dropped: z.number(),
  errors: z.number(),
  promptTokens: z.number(),
  generationTokens: z.number(),
});
export type SimTotals = z.output<typeof SimTotals>;

/** `/_sim/state.sleep`: the engine's sleep state (sleep.ts). */
export const SleepSnapshot = z.object({
  phase: z.enum(["awake", "paused", "falling_asleep", "asleep", "waking", "failed"]),
  isSleeping: z.boolean(),
  level: z.union([z.literal(0), z.literal(1), z.literal(2)]).nullable(),
  sleepingTags: z.array(z.enum(["weights", "kv_cache"])),
  /** False from a level-2 sleep until `reload_weights`: mapped weights without content answer garbage. */
  weightsLoaded: z.boolean(),
  /** What each of the engine's GPUs holds now: what the simulated GPUs show. */
  memoryPerGpuMiB: z.number(),
  tensorParallelSize: z.number(),
  enableSleepMode: z.boolean(),
});

export type SleepSnapshot = z.output<typeof SleepSnapshot>;

export const SimState = z.object({
  model: z.string(),
  kind: z.enum(["chat", "embedding"]),
  pid: z.number(),
  running: z.number(),
  waiting: z.number(),
  totals: SimTotals,
  faults: SimFaults,
  sleep: SleepSnapshot,
  recentRequests: z.array(RecentRequest),
  aborts: z.array(AbortRecord),
});
export type SimState = z.output<typeof SimState>;

/** A fixed-size list that keeps the newest entries. */
export class Ring<T> {
  private items: T[] = [];
  constructor(private readonly capacity: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  toArray(): T[] {
    return [...this.items];
  }
}
