import type { FinishedReason, SimMetrics } from "./metrics";

/**
 * The capacity model: at most `maxNumSeqs` requests run, the rest wait in FIFO order (vLLM's waiting
 * queue is unbounded). A `Run` is one request's life in the engine; the engine keeps the gauges and
 * feeds the metrics as runs are scheduled, produce tokens and finish.
 */

export type AbortReason = "client" | "shutdown" | "dropped" | "crash" | "sleep";

export class Run {
  readonly arrivedAt = performance.now();
  scheduledAt: number | null = null;
  firstTokenAt: number | null = null;
  lastTokenAt: number | null = null;
  tokensSent = 0;
  state: "new" | "waiting" | "running" | "finished" = "new";
  abortReason: AbortReason | null = null;
  private readonly wakers = new Set<() => void>();

  constructor(
    readonly promptTokenIds: readonly number[],
    readonly path: string,
    readonly xRequestId: string | null,
  ) {}

  get promptTokens(): number {
    return this.promptTokenIds.length;
  }

  get aborted(): boolean {
    return this.abortReason !== null;
  }

  abort(reason: AbortReason): void {
    if (this.abortReason !== null) return;
    this.abortReason = reason;
    for (const wake of [...this.wakers]) wake();
  }

  /** Resolves after `ms`, or at once when the run is aborted (check `aborted` afterwards). */
  sleep(ms: number): Promise<void> {
    if (this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  untilAborted(): Promise<void> {
    if (this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.wakers.delete(done);
        resolve();
      };
      this.wakers.add(done);
    });
  }

  /** Used by the engine to wake a waiting run when it gets a slot. */
  addWaker(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }
}

/** vLLM hashes the prompt in blocks of 16 tokens; a block hits when the same chain of blocks was seen before. */
const BLOCK_SIZE = 16;
const MAX_CACHED_BLOCKS = 200_000;

export class Engine {
  readonly running = new Set<Run>();
  private waiting: Run[] = [];
  private readonly slotWaiters = new Map<Run, () => void>();
  private readonly cachedBlocks = new Set<string>();

  constructor(
    private readonly maxNumSeqs: number,
    private readonly kvCacheTokens: number,
    private readonly metrics: SimMetrics,
  ) {}

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Every run that has not finished, running first. */
  activeRuns(): Run[] {
    return [...this.running, ...this.waiting];
  }

  /** Schedules the run now if there is room (true), else queues it. */
  tryAdmit(run: Run): boolean {
    if (this.running.size < this.maxNumSeqs && this.waiting.length === 0) {
      this.schedule(run);
      return true;
    }
    run.state = "waiting";
    this.waiting.push(run);
    return false;
  }

  /** Waits for a queued run's slot; false when the run was aborted first. */
  waitForSlot(run: Run): Promise<boolean> {
    if (run.state === "running") return Promise.resolve(true);
    if (run.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const removeWaker = run.addWaker(() => {
        this.slotWaiters.delete(run);
        resolve(false);
      });
      this.slotWaiters.set(run, () => {
        removeWaker();
        resolve(true);
      });
    });
  }

  batchFactor(slowdown: number): number {
    return 1 + slowdown * Math.max(0, this.running.size - 1);
  }

  kvCacheUsage(): number {
    let tokens = 0;
    for (const run of this.running) tokens += run.promptTokens + run.tokensSent;
    return Math.min(1, tokens / this.kvCacheTokens);
  }

  /** Records `count` new tokens of one engine step. */
  recordTokens(run: Run, count: number): void {
    const now = performance.now();
    if (run.firstTokenAt === null) {
      run.firstTokenAt = now;
      this.metrics.ttft.observe((now - run.arrivedAt) / 1000);
    } else if (run.lastTokenAt !== null) {
      this.metrics.interToken.observe((now - run.lastTokenAt) / 1000);
    }
    run.lastTokenAt = now;
    run.tokensSent += count;
    this.metrics.generationTokens += count;
  }

  finish(run: Run, reason: FinishedReason): void {
    if (run.state === "finished") return;
    const wasRunning = run.state === "running";
    if (wasRunning) this.running.delete(run);
    else if (run.state === "waiting") this.waiting = this.waiting.filter((r) => r !== run);
    this.slotWaiters.delete(run);
    run.state = "finished";

    const now = performance.now();
    const scheduled = run.scheduledAt ?? now;
    const first = run.firstTokenAt ?? now;
    const last = run.lastTokenAt ?? first;
    this.metrics.recordFinished(reason, run.promptTokens, run.tokensSent, {
      queue: (scheduled - run.arrivedAt) / 1000,
      prefill: (first - scheduled) / 1000,
      decode: Math.max(0, last - first) / 1000,
      e2e: (now - run.arrivedAt) / 1000,
    });
    if (wasRunning) this.promote();
  }

  private promote(): void {
    while (this.running.size < this.maxNumSeqs) {
      const next = this.waiting.shift();
      if (next === undefined) return;
      this.schedule(next);
      const wake = this.slotWaiters.get(next);
      this.slotWaiters.delete(next);
      wake?.();
    }
  }

  private schedule(run: Run): void {
    run.state = "running";
    run.scheduledAt = performance.now();
    this.running.add(run);
    this.metrics.promptTokens += run.promptTokens;
    this.metrics.prefixCacheQueries += run.promptTokens;
    this.metrics.prefixCacheHits += this.prefixHits(run.promptTokenIds);
  }

  /** Tokens of the prompt's leading full blocks already seen (the hash of a block covers its whole prefix). */
  private prefixHits(ids: readonly number[]): number {
    let hits = 0;
    let missed = false;
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] ?? 0;
      a = Math.imul(a ^ (id >>> 0), 0x01000193);
      b = Math.imul(b ^ Math.floor(id / 4294967296) ^ (a >>> 7), 0x5bd1e995);
      if ((i + 1) % BLOCK_SIZE !== 0) continue;
      const key = `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`;
      if (!missed && this.cachedBlocks.has(key)) hits += BLOCK_SIZE;
      else {
        missed = true;
        if (this.cachedBlocks.size >= MAX_CACHED_BLOCKS) this.cachedBlocks.clear();
        this.cachedBlocks.add(key);
      }
    }
    return hits;
  }
}
