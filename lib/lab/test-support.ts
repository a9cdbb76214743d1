import { vi } from "vitest";
import { InFlightTracker } from "@/lib/admission/in-flight";
import { parseLabConfig } from "@/lib/config/parse";
import type { LabConfig } from "@/lib/config/schema";
import type { EventBus } from "@/lib/events/bus";
import type { ContainerEvent, ContainerInfo, ContainerRuntime } from "@/lib/runtime/types";
import { systemClock } from "./clock";
import { LabController, type OperationRecorder, type OperationStatus, type StepStatus } from "./controller";
import type { EngineSleepControl, SleepLevel } from "./engine-sleep";
import { defaultTimings, type OperationTimings } from "./step-actions";

/** The design's lab: 7B on GPU 0 and 14B on GPU 1 in standard mode, 32B on both in deep mode. */
export const labYaml = `
runtime: simulated
backends:
  qwen-7b: { url: "http://127.0.0.1:18001", servedModel: qwen2.5-7b-instruct, gpus: [0] }
  qwen-14b: { url: "http://127.0.0.1:18002", servedModel: qwen2.5-14b-instruct-awq, gpus: [1] }
  qwen-32b: { url: "http://127.0.0.1:18003", servedModel: qwen2.5-32b-instruct-awq, gpus: [0, 1] }
modes:
  standard: { backends: [qwen-7b, qwen-14b], default: true }
  deep: { backends: [qwen-32b] }
routes:
  fast: [qwen-7b, qwen-32b]
  reasoning: [qwen-14b, qwen-32b]
  auto: { auto: { fast: fast, deep: reasoning } }
`;

/** The same lab where every backend declares sleep mode (level 1): leaving engines sleep instead of stopping. */
export const sleepLabYaml = labYaml.replace(/gpus: \[([0-9, ]+)\] \}/g, "gpus: [$1], sleep: { level: 1 } }");

/** What a running engine holds on each of its GPUs, awake. */
export const AWAKE_MIB = 20_000;

/**
 * A container runtime in memory, on the (fake) clock: containers load for `loadMs`, memory is released
 * `releaseMs` after a stop, and every start checks that no running container already holds its GPUs. Its engines
 * also sleep like vLLM's (`engines`): asleep, one holds `residueMiB` per GPU until woken (which takes `wakeMs`).
 * A start or wake next to too much memory is recorded as a violation: `refuseAboveMiB` held by others, or, for an
 * engine that declares `gpuMemoryUtilization`, vLLM's own rule (less than that share of `totalMiB` free).
 */
export class FakeRuntime implements ContainerRuntime {
  readonly kind = "simulated" as const;
  readonly running = new Map<string, { readyAt: number }>();
  readonly releasedAt = new Map<string, number>();
  readonly exited = new Map<string, { exitCode: number; oomKilled: boolean }>();
  /** Broken invariants seen: two running containers sharing a GPU. */
  readonly violations: string[] = [];
  readonly failStart = new Set<string>();
  readonly failStop = new Set<string>();
  /** Backends that exit while loading (an OOM at load). */
  readonly oomAtLoad = new Set<string>();
  loadMs = 2_000;
  releaseMs = 300;
  /** Memory held by something outside the lab, per GPU. */
  readonly foreignMemory = new Map<number, number>();
  /** Engines asleep, with what each keeps per GPU. */
  readonly asleep = new Map<string, { level: SleepLevel; residueMiB: number }>();
  /** What a sleep leaves per GPU, by backend (default `residueMiB`): a large value is a sleep that frees too little. */
  readonly residueOf = new Map<string, number>();
  residueMiB = 500;
  wakeMs = 1_000;
  readonly failSleep = new Set<string>();
  readonly failWake = new Set<string>();
  /** Above this on a GPU an engine refuses to start or wake (vLLM's free-memory check, an OOM on wake). */
  refuseAboveMiB = 4_000;
  /** Each GPU's total; an engine that declares `gpuMemoryUtilization` refuses when less than that share of it is free. */
  totalMiB = 24_576;
  /** Every sleep and wake call, in order: "sleep qwen-7b 1", "wake qwen-7b". */
  readonly sleepCalls: string[] = [];

  constructor(
    private readonly gpusOf: (id: string) => number[],
    private readonly utilizationOf: (id: string) => number | null = () => null,
  ) {}

  /** The engines' sleep endpoints, as the controller's `engineSleep`. */
  readonly engines: EngineSleepControl = {
    sleep: async (id, level) => {
      this.sleepCalls.push(`sleep ${id} ${level}`);
      if (!this.running.has(id)) throw new Error(`${id}: POST /sleep failed: ECONNREFUSED`);
      if (this.failSleep.has(id)) throw new Error(`${id}: POST /sleep answered 500`);
      this.asleep.set(id, { level, residueMiB: this.residueOf.get(id) ?? this.residueMiB });
    },
    wakeUp: async (id, level) => {
      this.sleepCalls.push(level === 2 ? `wake ${id} level 2` : `wake ${id}`);
      if (!this.running.has(id)) throw new Error(`${id}: POST /wake_up failed: ECONNREFUSED`);
      await new Promise((resolve) => setTimeout(resolve, this.wakeMs));
      if (this.failWake.has(id)) throw new Error(`${id}: POST /wake_up answered 500: CUDA out of memory`);
      this.checkGpusFree(id, "woke");
      this.asleep.delete(id);
    },
    isSleeping: async (id) => {
      if (!this.running.has(id)) throw new Error(`${id}: GET /is_sleeping failed: ECONNREFUSED`);
      return this.asleep.has(id);
    },
  };

  /** A violation when another awake engine holds one of the GPUs, or they hold more than an engine can start next to. */
  private checkGpusFree(backendId: string, verb: string): void {
    for (const [other] of this.running) {
      if (other === backendId || this.asleep.has(other)) continue;
      const shared = this.gpusOf(other).filter((gpu) => this.gpusOf(backendId).includes(gpu));
      if (shared.length > 0) this.violations.push(`${backendId} ${verb} while ${other} holds GPU ${shared.join(",")}`);
    }
    const utilization = this.utilizationOf(backendId);
    for (const gpu of this.gpusOf(backendId)) {
      const others = this.memoryUsed(gpu) - (this.asleep.get(backendId)?.residueMiB ?? 0);
      // vLLM's rule when the engine declares its share: free memory on the device below utilization x total.
      const refused = utilization !== null ? this.totalMiB - others < utilization * this.totalMiB : others >= this.refuseAboveMiB;
      if (refused) this.violations.push(`${backendId} ${verb} while GPU ${gpu} held ${others} MiB`);
    }
  }

  async ping() {
    return { ok: true as const };
  }

  async inspect(backendId: string): Promise<ContainerInfo> {
    const exit = this.exited.get(backendId);
    return {
      backendId,
      name: backendId,
      state: this.running.has(backendId) ? "running" : exit ? "exited" : "created",
      exitCode: exit?.exitCode ?? null,
      oomKilled: exit?.oomKilled ?? false,
      restartCount: 0,
      startedAt: null,
      finishedAt: null,
      error: null,
    };
  }

  async start(backendId: string): Promise<void> {
    if (this.failStart.has(backendId)) throw new Error("engine refused to start the container");
    if (this.running.has(backendId)) return;
    this.checkGpusFree(backendId, "started");
    this.exited.delete(backendId);
    this.running.set(backendId, { readyAt: Date.now() + this.loadMs });
    if (this.oomAtLoad.has(backendId)) {
      setTimeout(() => this.crash(backendId, 1, true), this.loadMs / 2);
    }
  }

  async stop(backendId: string): Promise<void> {
    if (this.failStop.has(backendId)) throw new Error("engine timed out stopping the container");
    if (!this.running.delete(backendId)) return;
    this.asleep.delete(backendId);
    this.exited.set(backendId, { exitCode: 0, oomKilled: false });
    this.releasedAt.set(backendId, Date.now() + this.releaseMs);
  }

  async restart(backendId: string): Promise<void> {
    await this.stop(backendId);
    await this.start(backendId);
  }

  async logs(backendId: string): Promise<string[]> {
    return this.oomAtLoad.has(backendId) ? ["torch.OutOfMemoryError: CUDA out of memory"] : [];
  }

  private readonly listeners = new Set<(event: ContainerEvent) => void>();

  onEvent(listener: (event: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {}

  crash(backendId: string, exitCode = 1, oomKilled = false): void {
    if (!this.running.delete(backendId)) return;
    this.asleep.delete(backendId);
    this.exited.set(backendId, { exitCode, oomKilled });
    this.releasedAt.set(backendId, Date.now() + this.releaseMs);
    for (const listener of this.listeners) listener({ backendId, action: oomKilled ? "oom" : "die", exitCode, at: new Date() });
  }

  /** Running, loaded and awake: it would serve a request. */
  ready(backendId: string): boolean {
    const run = this.running.get(backendId);
    return run !== undefined && Date.now() >= run.readyAt && !this.asleep.has(backendId);
  }

  memoryUsed(gpu: number): number {
    let used = this.foreignMemory.get(gpu) ?? 0;
    for (const [id] of this.running) if (this.gpusOf(id).includes(gpu)) used += this.asleep.get(id)?.residueMiB ?? AWAKE_MIB;
    for (const [id, at] of this.releasedAt) if (!this.running.has(id) && Date.now() < at && this.gpusOf(id).includes(gpu)) used += AWAKE_MIB;
    return used;
  }
}

export class FakeRecorder implements OperationRecorder {
  readonly operations: { id: string; backendId: string | null; requestedBy: string; reason: string | null; status: OperationStatus; error: string | null }[] = [];
  readonly steps: { opId: string; name: string; status: StepStatus; detail: string | null }[] = [];
  savedMode: string | null = null;

  async create(op: { id: string; backendId: string | null; requestedBy: string; reason?: string | null }): Promise<void> {
    this.operations.push({ id: op.id, backendId: op.backendId, requestedBy: op.requestedBy, reason: op.reason ?? null, status: "running", error: null });
  }
  async startStep(opId: string, _position: number, name: string): Promise<number> {
    this.steps.push({ opId, name, status: "running", detail: null });
    return this.steps.length - 1;
  }
  async finishStep(stepId: number | null, status: StepStatus, detail: string | null): Promise<void> {
    const step = stepId === null ? undefined : this.steps[stepId];
    if (step) Object.assign(step, { status, detail });
  }
  async finish(opId: string, status: OperationStatus, error: string | null): Promise<void> {
    const op = this.operations.find((o) => o.id === opId);
    if (op) Object.assign(op, { status, error });
  }
  async saveMode(mode: string): Promise<void> {
    this.savedMode = mode;
  }
}

export interface TestLab {
  config: LabConfig;
  controller: LabController;
  runtime: FakeRuntime;
  recorder: FakeRecorder;
  inFlight: InFlightTracker;
  generationFails: Set<string>;
}

/**
 * A controller on the fake runtime; the standard mode's containers are already running and ready. `sleep: true`
 * uses `sleepLabYaml` and gives the controller the fake engines' sleep endpoints.
 */
export function createTestLab(
  timings: Partial<OperationTimings> = {},
  options: { bus?: EventBus; sleep?: boolean; sleepLevel?: SleepLevel; withoutSleepEndpoints?: boolean; gpuMemoryUtilization?: Record<string, number> } = {},
): TestLab {
  const config = parseLabConfig(options.sleep ? sleepLabYaml.replaceAll("level: 1", `level: ${options.sleepLevel ?? 1}`) : labYaml);
  for (const [id, utilization] of Object.entries(options.gpuMemoryUtilization ?? {})) {
    const backend = config.backends[id];
    if (backend) backend.gpuMemoryUtilization = utilization;
  }
  const runtime = new FakeRuntime(
    (id) => config.backends[id]?.gpus ?? [],
    (id) => config.backends[id]?.gpuMemoryUtilization ?? null,
  );
  runtime.running.set("qwen-7b", { readyAt: 0 });
  runtime.running.set("qwen-14b", { readyAt: 0 });
  const recorder = new FakeRecorder();
  const inFlight = new InFlightTracker();
  const generationFails = new Set<string>();
  const controller = new LabController({
    config: () => config,
    runtime,
    inFlight,
    gpuMemoryUsedMiB: (gpu) => runtime.memoryUsed(gpu),
    gpuMemoryTotalMiB: () => runtime.totalMiB,
    probeReady: async (id) => (runtime.ready(id) ? "ready" : "refused"),
    probeGeneration: async (id) => {
      if (generationFails.has(id)) throw new Error("500 from the engine");
    },
    clock: systemClock,
    timings: { ...defaultTimings, drainMs: 5_000, memoryReleaseMs: 10_000, sleepReleaseMs: 2_000, loadTimeoutMs: 30_000, pollMs: 100, ...timings },
    recorder,
    bus: options.bus,
    initialMode: "standard",
    engineSleep: options.sleep && !options.withoutSleepEndpoints ? runtime.engines : null,
  });
  return { config, controller, runtime, recorder, inFlight, generationFails };
}

/** Lets the running operation go on under fake timers (vi.useFakeTimers) until it has ended, for at most `maxMs`. */
export async function settle(lab: TestLab, maxMs = 120_000): Promise<void> {
  for (let waited = 0; lab.controller.runningOperation() && waited < maxMs; waited += 100) await vi.advanceTimersByTimeAsync(100);
}
