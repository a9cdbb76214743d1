import { InFlightTracker } from "@/lib/admission/in-flight";
import { parseLabConfig } from "@/lib/config/parse";
import type { ContainerEvent, ContainerInfo, ContainerRuntime } from "@/lib/runtime/types";
import { systemClock } from "./clock";
import { LabController, type OperationRecorder, type OperationStatus, type StepStatus } from "./controller";
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

/**
 * A container runtime in memory, on the (fake) clock: containers load for `loadMs`, memory is released
 * `releaseMs` after a stop, and every start checks that no running container already holds its GPUs.
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

  constructor(private readonly gpusOf: (id: string) => number[]) {}

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
    for (const [other] of this.running) {
      const shared = this.gpusOf(other).filter((gpu) => this.gpusOf(backendId).includes(gpu));
      if (shared.length > 0) this.violations.push(`${backendId} started while ${other} holds GPU ${shared.join(",")}`);
    }
    this.exited.delete(backendId);
    this.running.set(backendId, { readyAt: Date.now() + this.loadMs });
    if (this.oomAtLoad.has(backendId)) {
      setTimeout(() => this.crash(backendId, 1, true), this.loadMs / 2);
    }
  }

  async stop(backendId: string): Promise<void> {
    if (this.failStop.has(backendId)) throw new Error("engine timed out stopping the container");
    if (!this.running.delete(backendId)) return;
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

  onEvent(_listener: (event: ContainerEvent) => void): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {}

  crash(backendId: string, exitCode = 1, oomKilled = false): void {
    if (!this.running.delete(backendId)) return;
    this.exited.set(backendId, { exitCode, oomKilled });
    this.releasedAt.set(backendId, Date.now() + this.releaseMs);
  }

  ready(backendId: string): boolean {
    const run = this.running.get(backendId);
    return run !== undefined && Date.now() >= run.readyAt;
  }

  memoryUsed(gpu: number): number {
    let used = this.foreignMemory.get(gpu) ?? 0;
    for (const [id] of this.running) if (this.gpusOf(id).includes(gpu)) used += 20_000;
    for (const [id, at] of this.releasedAt) if (!this.running.has(id) && Date.now() < at && this.gpusOf(id).includes(gpu)) used += 20_000;
    return used;
  }
}

export class FakeRecorder implements OperationRecorder {
  readonly operations: { id: string; status: OperationStatus; error: string | null }[] = [];
  readonly steps: { opId: string; name: string; status: StepStatus; detail: string | null }[] = [];
  savedMode: string | null = null;

  async create(op: { id: string }): Promise<void> {
    this.operations.push({ id: op.id, status: "running", error: null });
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
  controller: LabController;
  runtime: FakeRuntime;
  recorder: FakeRecorder;
  inFlight: InFlightTracker;
  generationFails: Set<string>;
}

/** A controller on the fake runtime; the standard mode's containers are already running and ready. */
export function createTestLab(timings: Partial<OperationTimings> = {}): TestLab {
  const config = parseLabConfig(labYaml);
  const runtime = new FakeRuntime((id) => config.backends[id]?.gpus ?? []);
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
    probeReady: async (id) => (runtime.ready(id) ? "ready" : "refused"),
    probeGeneration: async (id) => {
      if (generationFails.has(id)) throw new Error("500 from the engine");
    },
    clock: systemClock,
    timings: { ...defaultTimings, drainMs: 5_000, memoryReleaseMs: 10_000, loadTimeoutMs: 30_000, pollMs: 100, ...timings },
    recorder,
    initialMode: "standard",
  });
  return { controller, runtime, recorder, inFlight, generationFails };
}
