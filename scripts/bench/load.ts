import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import type { CpuClock } from "./cpu-time";
import { FirstContentDetector } from "./first-content";
import { summarize, type LatencySummary } from "./stats";

/** One endpoint under test: where to POST and what. */
export interface LoadTarget {
  name: string;
  origin: string;
  path: string;
  /** The JSON body of a non-streamed request. */
  body: Record<string, unknown>;
}

export interface LatencyResult extends LatencySummary {
  errors: number;
}

export interface ThroughputResult {
  requestsPerSecond: number;
  completed: number;
  errors: number;
  seconds: number;
  /** Requests/s of each counted window, in round order: windows of one round ran back to back. */
  windows: number[];
  /**
   * CPU milliseconds per request of each watched process (the app, the simulator, the load generator), from the
   * start of each window to the end of its settle gap, over every request completed in that span. Unlike req/s it
   * hardly moves when a neighbour takes the CPU.
   */
  cpuMsPerRequest: Record<string, number | null>;
  /** When this target's windows ran (CLOCK_MONOTONIC µs, the clock of V8 CPU profiles) and how many requests each served. */
  spans: TimeSpan[];
  /** Latency under this load, for context. */
  latency: LatencySummary;
}

export interface TimeSpan {
  startUs: number;
  endUs: number;
  requests: number;
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A keep-alive client for one target: one pool per target so targets never share sockets. */
class TargetClient {
  private readonly pool: Pool;
  private readonly plainBody: string;
  private readonly streamBody: string;

  constructor(
    readonly target: LoadTarget,
    connections: number,
  ) {
    this.pool = new Pool(target.origin, { connections, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
    this.plainBody = JSON.stringify(target.body);
    this.streamBody = JSON.stringify({ ...target.body, stream: true });
  }

  /** One non-streamed request, read to the end: the elapsed milliseconds, or null when it failed. */
  async call(): Promise<number | null> {
    const started = performance.now();
    try {
      const response = await this.pool.request({ path: this.target.path, method: "POST", headers: jsonHeaders, body: this.plainBody });
      await response.body.arrayBuffer();
      return response.statusCode === 200 ? performance.now() - started : null;
    } catch {
      return null;
    }
  }

  /** One streamed request, drained to the end: milliseconds to the first content event, or null. */
  async firstContent(): Promise<number | null> {
    const started = performance.now();
    try {
      const response = await this.pool.request({ path: this.target.path, method: "POST", headers: streamHeaders, body: this.streamBody });
      const detector = new FirstContentDetector();
      let ttft: number | null = null;
      response.body.setEncoding("utf8");
      for await (const chunk of response.body as AsyncIterable<string>) {
        if (ttft === null && detector.push(chunk)) ttft = performance.now() - started;
      }
      return response.statusCode === 200 ? ttft : null;
    } catch {
      return null;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

const jsonHeaders = { "content-type": "application/json", accept: "application/json" };
const streamHeaders = { "content-type": "application/json", accept: "text/event-stream" };

/**
 * Concurrency 1, round-robin over the targets (each round starts at a different target), so every target sees
 * the same machine: a noisy neighbour slows them all alike instead of whichever happened to run then.
 */
export async function measureLatency(
  targets: readonly LoadTarget[],
  options: { warmup: number; requests: number; stream?: boolean },
): Promise<Record<string, LatencyResult>> {
  const clients = targets.map((target) => new TargetClient(target, 1));
  const samples = clients.map(() => [] as number[]);
  const errors = clients.map(() => 0);
  try {
    const total = options.warmup + options.requests;
    for (let round = 0; round < total; round += 1) {
      for (let k = 0; k < clients.length; k += 1) {
        const index = (round + k) % clients.length;
        const client = clients[index] as TargetClient;
        const ms = options.stream ? await client.firstContent() : await client.call();
        if (round < options.warmup) continue;
        if (ms === null) errors[index] = (errors[index] ?? 0) + 1;
        else samples[index]?.push(ms);
      }
    }
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
  }
  return Object.fromEntries(targets.map((target, i) => [target.name, { ...summarize(samples[i] ?? []), errors: errors[i] ?? 0 }]));
}

/**
 * Fixed concurrency for a fixed time per target, split into rounds that alternate between the targets
 * (rotating who goes first). Each round ramps up before it counts, so only steady-state completions count.
 */
export async function measureThroughput(
  targets: readonly LoadTarget[],
  options: { concurrency: number; warmupMs: number; secondsPerTarget: number; rounds: number; rampMs?: number; settleMs?: number },
  cpuClocks: Record<string, CpuClock> = {},
): Promise<Record<string, ThroughputResult>> {
  const clients = targets.map((target) => new TargetClient(target, options.concurrency));
  const rampMs = options.rampMs ?? 150;
  // Idle between windows: work a target defers (the request log's batched flush, GC) lands in its own gap
  // instead of in the next target's window.
  const settleMs = options.settleMs ?? 150;
  const windowMs = (options.secondsPerTarget * 1000) / options.rounds;
  const totals = clients.map(() => ({ completed: 0, errors: 0, seconds: 0, samples: [] as number[], windows: [] as number[], cpu: new CpuTally(cpuClocks), spans: [] as TimeSpan[] }));
  try {
    for (const client of clients) {
      await runWindow(client, options.concurrency, 0, options.warmupMs);
      await sleep(settleMs);
    }
    for (let round = 0; round < options.rounds; round += 1) {
      for (let k = 0; k < clients.length; k += 1) {
        const index = (round + k) % clients.length;
        const total = totals[index];
        if (!total) continue;
        const cpuBefore = total.cpu.read();
        const startUs = monotonicUs();
        const window = await runWindow(clients[index] as TargetClient, options.concurrency, rampMs, windowMs);
        await sleep(settleMs);
        total.cpu.add(cpuBefore, total.cpu.read(), window.finished);
        total.spans.push({ startUs, endUs: monotonicUs(), requests: window.finished });
        total.completed += window.completed;
        total.errors += window.errors;
        total.seconds += window.seconds;
        total.samples.push(...window.samples);
        total.windows.push(window.completed / window.seconds);
      }
    }
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
  }
  return Object.fromEntries(
    targets.map((target, i) => {
      const total = totals[i] ?? { completed: 0, errors: 0, seconds: 0, samples: [], windows: [], cpu: new CpuTally({}), spans: [] };
      return [
        target.name,
        {
          requestsPerSecond: total.seconds > 0 ? total.completed / total.seconds : 0,
          completed: total.completed,
          errors: total.errors,
          seconds: total.seconds,
          windows: total.windows,
          cpuMsPerRequest: total.cpu.perRequest(),
          spans: total.spans,
          latency: summarize(total.samples),
        },
      ];
    }),
  );
}

/** `concurrency` closed-loop workers; completions between ramp end and window end are counted. */
async function runWindow(
  client: TargetClient,
  concurrency: number,
  rampMs: number,
  windowMs: number,
): Promise<{ completed: number; errors: number; seconds: number; samples: number[]; finished: number }> {
  const startsCounting = performance.now() + rampMs;
  const stopsCounting = startsCounting + windowMs;
  let completed = 0;
  let errors = 0;
  let finished = 0;
  const samples: number[] = [];
  const worker = async () => {
    while (performance.now() < stopsCounting) {
      const ms = await client.call();
      if (ms !== null) finished += 1;
      const now = performance.now();
      if (now < startsCounting || now > stopsCounting) continue;
      if (ms === null) errors += 1;
      else {
        completed += 1;
        samples.push(ms);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { completed, errors, seconds: windowMs / 1000, samples, finished };
}

/** CPU used by each watched process across a target's windows, and the requests served meanwhile. */
class CpuTally {
  private readonly used = new Map<string, number>();
  private readonly unknown = new Set<string>();
  private requests = 0;

  constructor(private readonly clocks: Record<string, CpuClock>) {}

  read(): Record<string, number | null> {
    return Object.fromEntries(Object.entries(this.clocks).map(([name, clock]) => [name, clock()]));
  }

  add(before: Record<string, number | null>, after: Record<string, number | null>, requests: number): void {
    this.requests += requests;
    for (const name of Object.keys(this.clocks)) {
      const start = before[name];
      const end = after[name];
      if (start == null || end == null) this.unknown.add(name);
      else this.used.set(name, (this.used.get(name) ?? 0) + (end - start));
    }
  }

  perRequest(): Record<string, number | null> {
    return Object.fromEntries(
      Object.keys(this.clocks).map((name) => [name, this.unknown.has(name) || this.requests === 0 ? null : (this.used.get(name) ?? 0) / this.requests]),
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
