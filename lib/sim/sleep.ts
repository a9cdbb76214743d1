import type { Engine, Run } from "./engine";
import { SimError } from "./errors";
import { wakeFits } from "./gpu-memory";
import type { SimFaults, SimulatorOptions } from "./options";
import type { SleepSnapshot } from "./state";

/**
 * vLLM's sleep mode (README.md, "Sleep mode"): `sleep(level, mode)` pauses the scheduler and releases GPU memory,
 * `wake_up(tags)` restores it and resumes scheduling. Mirrors vllm/v1/engine/core.py (`sleep`, `wake_up`,
 * `pause_scheduler`) and vllm/v1/executor/abstract.py (`sleeping_tags`): requests that arrive while asleep are
 * queued, not refused, and run after the wake. Operations run one at a time, like utility calls in the engine core.
 */

export type SleepLevel = 0 | 1 | 2;
export type PauseMode = "abort" | "wait" | "keep";
export type SleepTag = "weights" | "kv_cache";
export const SLEEP_TAGS: readonly SleepTag[] = ["weights", "kv_cache"];
export const PAUSE_MODES: readonly PauseMode[] = ["abort", "wait", "keep"];

type SleepPhase = SleepSnapshot["phase"];

/** The sizes and speeds the sleep timings and memory come from. */
export interface SleepMemoryModel {
  tensorParallelSize: number;
  /** Held per GPU while fully awake. */
  memoryMiB: number;
  /** The weights' share of it, per GPU. */
  weightsPerGpuMiB: number;
  /** What stays on each GPU while asleep (never in vLLM's sleep pool). */
  residueMiB: number;
  weightsTotalMiB: number;
  hostToGpuMiBps: number;
  diskMiBps: number;
}

const DEFAULT_WEIGHTS_SHARE = 0.7;
/** Asleep, an engine keeps its CUDA context (~0.5 GB); with TP, NCCL and custom all-reduce buffers too (2.4+ GB). */
const RESIDUE_TP1_MIB = 480;
const RESIDUE_TP_MIB = 2450;
/** Fixed cost of a sleep or wake: synchronising, unmapping or mapping the pool, resetting caches. */
const OVERHEAD_MS = 100;

export function sleepMemoryModel(options: SimulatorOptions): SleepMemoryModel {
  const tp = options.tensorParallelSize;
  const weightsTotalMiB = options.weightsMiB ?? Math.round(options.memoryMiB * tp * DEFAULT_WEIGHTS_SHARE);
  const residueMiB = Math.min(options.memoryMiB, options.sleepResidueMiB ?? (tp > 1 ? RESIDUE_TP_MIB : RESIDUE_TP1_MIB));
  return {
    tensorParallelSize: tp,
    memoryMiB: options.memoryMiB,
    weightsPerGpuMiB: Math.min(options.memoryMiB - residueMiB, weightsTotalMiB / tp),
    residueMiB,
    weightsTotalMiB,
    hostToGpuMiBps: options.hostToGpuMiBps,
    diskMiBps: options.diskMiBps,
  };
}

/**
 * Memory held on each GPU: everything when awake; asleep, the residue, what a faulty sleep left behind, and
 * whatever tags are already back (a wake allocates its memory before it copies into it).
 */
export function heldMemoryMiB(model: SleepMemoryModel, releasedTags: ReadonlySet<SleepTag>, leftBehindMiB: number): number {
  if (releasedTags.size === 0) return model.memoryMiB;
  const kvCacheMiB = Math.max(0, model.memoryMiB - model.residueMiB - model.weightsPerGpuMiB);
  const held =
    model.residueMiB +
    leftBehindMiB +
    (releasedTags.has("weights") ? 0 : model.weightsPerGpuMiB) +
    (releasedTags.has("kv_cache") ? 0 : kvCacheMiB);
  return Math.round(Math.min(model.memoryMiB, held));
}

/** Level 1 copies each GPU's weights to host RAM (the GPUs in parallel); level 2 only discards; level 0 is a pause. */
export function sleepDurationMs(model: SleepMemoryModel, level: SleepLevel): number {
  if (level === 0) return 0;
  if (level === 2) return OVERHEAD_MS;
  return OVERHEAD_MS + (model.weightsPerGpuMiB / model.hostToGpuMiBps) * 1000;
}

/**
 * Waking the weights after level 1 copies them back from host RAM (per GPU in parallel); after level 2 it only
 * re-allocates their memory, as for the KV cache: their content comes back with `reload_weights`.
 */
export function wakeDurationMs(model: SleepMemoryModel, level: SleepLevel, tags: ReadonlySet<SleepTag>): number {
  if (!tags.has("weights") || level === 2) return OVERHEAD_MS;
  return OVERHEAD_MS + (model.weightsPerGpuMiB / model.hostToGpuMiBps) * 1000;
}

/** `reload_weights` reads the whole model from disk (one disk for all GPUs) into the weights' memory. */
export function reloadDurationMs(model: SleepMemoryModel): number {
  return OVERHEAD_MS + (model.weightsTotalMiB / model.diskMiBps) * 1000;
}

/** What the sleep state machine needs of the simulator. */
export interface SleepHost {
  readonly options: SimulatorOptions;
  readonly engine: Engine;
  faults(): SimFaults;
  log(entry: Record<string, unknown>): void;
  /** Free memory on the engine's GPUs, others' allocations only (gpu-memory.ts); null when unknown. */
  gpuFreeMiB?(): number | null;
}

type Pause = "none" | "new" | "all";

const DRAIN_POLL_MS = 20;

export class EngineSleep {
  readonly model: SleepMemoryModel;
  private pause: Pause = "none";
  private level: SleepLevel | null = null;
  /** vLLM's executor `sleeping_tags`: what is released (only ever non-empty after a level >= 1 sleep). */
  private readonly released = new Set<SleepTag>();
  /** Tags being woken right now: their memory is allocated already. */
  private readonly waking = new Set<SleepTag>();
  private fallingAsleep = false;
  private leftBehindMiB = 0;
  /** A wake failed: the engine stays asleep and every later wake fails too, until the process restarts. */
  private broken = false;
  /**
   * The weights' content is on the GPUs. A level-2 sleep discards it and a wake maps the memory back without it
   * (vLLM's CuMemAllocator): until `reload_weights`, the engine computes with garbage (`answersGarbage`).
   */
  private weightsLoaded = true;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly resumeWaiters = new Set<() => void>();
  private lastReportedMiB: number | null = null;

  constructor(private readonly host: SleepHost) {
    this.model = sleepMemoryModel(host.options);
  }

  /** Mapped weights without their content: what a level-2 sleep leaves after a wake until `reload_weights`. */
  answersGarbage(): boolean {
    return !this.weightsLoaded && !this.released.has("weights");
  }

  /** vLLM's `is_sleeping`: scheduler paused or executor asleep. */
  isSleeping(): boolean {
    return this.pause !== "none" || this.released.size > 0;
  }

  memoryPerGpuMiB(): number {
    // Without --enable-sleep-mode the weights and KV cache are not in the sleep pool: nothing is ever released.
    if (!this.host.options.enableSleepMode) return this.model.memoryMiB;
    const released = new Set([...this.released].filter((tag) => !this.waking.has(tag)));
    return heldMemoryMiB(this.model, released, this.leftBehindMiB);
  }

  snapshot(): SleepSnapshot {
    return {
      phase: this.phase(),
      isSleeping: this.isSleeping(),
      level: this.level,
      sleepingTags: SLEEP_TAGS.filter((tag) => this.released.has(tag)),
      weightsLoaded: this.weightsLoaded,
      memoryPerGpuMiB: this.memoryPerGpuMiB(),
      tensorParallelSize: this.model.tensorParallelSize,
      enableSleepMode: this.host.options.enableSleepMode,
    };
  }

  /**
   * The scheduler gate: `true` at once when the run may proceed, else a promise that resolves when it may (true)
   * or when the run is aborted first (false). New runs wait for any pause; running ones only for mode "keep".
   */
  gate(run: Run, stage: "admit" | "step"): true | Promise<boolean> {
    if (this.allows(stage)) return true;
    return new Promise((resolve) => {
      const check = () => {
        if (!this.allows(stage)) return;
        done(true);
      };
      const done = (value: boolean) => {
        this.resumeWaiters.delete(check);
        removeWaker();
        resolve(value);
      };
      const removeWaker = run.addWaker(() => done(false));
      this.resumeWaiters.add(check);
    });
  }

  sleep(level: SleepLevel, mode: PauseMode): Promise<void> {
    return this.serially(() => this.runSleep(level, mode));
  }

  /** `tags` null wakes everything; "scheduling" only resumes the scheduler (vLLM's level-0 wake). */
  wakeUp(tags: readonly string[] | null): Promise<void> {
    return this.serially(() => this.runWake(tags));
  }

  /**
   * `collective_rpc("reload_weights")`: every worker reads the checkpoint from disk into its mapped weights
   * (vllm/v1/worker/gpu_model_runner.py `reload_weights`). Writing into weights that are still asleep (unmapped)
   * is a CUDA illegal memory access in vLLM; here a 500 that says so, and the engine stays as it was.
   */
  reloadWeights(): Promise<void> {
    return this.serially(async () => {
      if (this.released.has("weights")) {
        this.host.log({ event: "reload_weights", error: RELOAD_UNMAPPED_MESSAGE });
        throw new SimError("engine_error", RELOAD_UNMAPPED_MESSAGE);
      }
      const started = performance.now();
      await delay(reloadDurationMs(this.model));
      this.weightsLoaded = true;
      this.host.log({ event: "reload_weights", tookMs: Math.round(performance.now() - started) });
    });
  }

  private async runSleep(level: SleepLevel, mode: PauseMode): Promise<void> {
    const { engine } = this.host;
    this.pause = mode === "keep" ? "all" : "new";
    if (mode === "abort") for (const run of engine.activeRuns()) run.abort("sleep");
    if (mode === "wait") await this.drained();
    if (level === 0) {
      this.host.log({ event: "sleep", level, mode });
      return;
    }
    if (this.released.size > 0) {
      this.host.log({ event: "sleep", level, mode, warning: "Executor is already sleeping." });
      return;
    }
    this.fallingAsleep = true;
    const started = performance.now();
    await delay(sleepDurationMs(this.model, level));
    this.fallingAsleep = false;
    this.level = level;
    // Level 1 keeps a copy in host RAM (of whatever the weights held); level 2 keeps nothing.
    if (level === 2) this.weightsLoaded = false;
    for (const tag of SLEEP_TAGS) this.released.add(tag);
    this.leftBehindMiB = this.host.faults().sleepLeavesMiB;
    this.host.log({ event: "sleep", level, mode, tookMs: Math.round(performance.now() - started) });
    this.reportMemory();
  }

  private async runWake(requested: readonly string[] | null): Promise<void> {
    const tags = requested?.filter((tag) => tag !== "scheduling") ?? null;
    if (tags === null || tags.length > 0) await this.wakeExecutor(tags);
    // Partial wakes keep scheduling paused until all memory is resident again.
    if (this.released.size === 0) this.resume();
  }

  private async wakeExecutor(tags: readonly string[] | null): Promise<void> {
    if (this.released.size === 0) {
      this.host.log({ event: "wake_up", tags, warning: "Executor is not sleeping." });
      return;
    }
    const unknown = tags?.find((tag) => !this.released.has(tag as SleepTag));
    if (unknown !== undefined) {
      this.host.log({ event: "wake_up", tags, warning: `Tag ${unknown} is not in sleeping tags ${[...this.released].join(", ")}` });
      return;
    }
    const waking = new Set((tags ?? [...this.released]) as SleepTag[]);
    // The pool is mapped back before anything is copied: the GPUs need room for it (as with failWake, the engine is then unusable).
    const remaining = new Set([...this.released].filter((tag) => !waking.has(tag)));
    const heldAfterMiB = this.host.options.enableSleepMode ? heldMemoryMiB(this.model, remaining, this.leftBehindMiB) : 0;
    if (this.broken || this.host.faults().failWake || !wakeFits(this.host.gpuFreeMiB?.() ?? null, heldAfterMiB)) {
      this.broken = true;
      await delay(OVERHEAD_MS);
      this.host.log({ event: "wake_up", tags, error: WAKE_OOM_MESSAGE });
      throw new SimError("engine_error", WAKE_OOM_MESSAGE);
    }
    for (const tag of waking) this.waking.add(tag);
    this.reportMemory();
    const started = performance.now();
    await delay(wakeDurationMs(this.model, this.level ?? 1, waking));
    for (const tag of waking) {
      this.waking.delete(tag);
      this.released.delete(tag);
    }
    if (this.released.size === 0) {
      this.level = null;
      this.leftBehindMiB = 0;
    }
    this.host.log({ event: "wake_up", tags: [...waking], tookMs: Math.round(performance.now() - started) });
    this.reportMemory();
  }

  private phase(): SleepPhase {
    if (this.broken) return "failed";
    if (this.fallingAsleep) return "falling_asleep";
    if (this.waking.size > 0) return "waking";
    if (this.released.size > 0) return "asleep";
    return this.pause === "none" ? "awake" : "paused";
  }

  private allows(stage: "admit" | "step"): boolean {
    return stage === "admit" ? this.pause === "none" : this.pause !== "all";
  }

  private resume(): void {
    this.pause = "none";
    for (const check of [...this.resumeWaiters]) check();
  }

  /** Mode "wait": in-flight requests finish (new ones queue) before the memory goes. */
  private async drained(): Promise<void> {
    const { engine } = this.host;
    while (engine.running.size > 0 || engine.waitingCount > 0) await delay(DRAIN_POLL_MS);
  }

  /** One `gpu_memory` log line per change: what the simulated runtime feeds to the simulated GPUs. */
  private reportMemory(): void {
    const perGpuMiB = this.memoryPerGpuMiB();
    if (perGpuMiB === this.lastReportedMiB) return;
    this.lastReportedMiB = perGpuMiB;
    this.host.log({ event: "gpu_memory", perGpuMiB, gpus: this.model.tensorParallelSize, sleeping: this.isSleeping() });
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.chain.then(operation);
    this.chain = result.catch(() => undefined);
    return result;
  }
}

/** What `reload_weights` into weights that are still asleep runs into. */
export const RELOAD_UNMAPPED_MESSAGE =
  "RuntimeError: CUDA error: an illegal memory access was encountered (reload_weights: the weights are asleep; wake_up?tags=weights first)";

/** What the CuMem allocator raises when it cannot map the pool back (another process took the memory). */
export const WAKE_OOM_MESSAGE =
  "RuntimeError: CUDA Error: out of memory at /workspace/csrc/cumem_allocator.cpp:62 (wake_up could not map the sleep pool back)";

function delay(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
