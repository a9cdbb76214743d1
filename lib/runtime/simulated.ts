import type { BackendConfig, LabConfig } from "@/lib/config/schema";
import { gpuFreeLine } from "@/lib/sim/gpu-memory";
import { DEFAULT_MEMORY_SHARE, SIMULATED_GPU } from "@/lib/sim/gpus";
import type { SimFaultsPatch, SimulatorOptionsInput } from "@/lib/sim/options";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import { leastFreeMiB } from "./simulated-gpu-free";
import type { ContainerEvent, ContainerInfo, ContainerRuntime, ContainerState } from "./types";

/** How the simulated runtime runs one backend: a vLLM simulator process on the backend's URL. */
export function simulatorOptionsFor(backend: BackendConfig): SimulatorOptionsInput {
  const url = new URL(backend.url);
  const sim = backend.sim;
  const sleepFaults = {
    ...(sim?.sleepLeavesMiB !== undefined ? { sleepLeavesMiB: sim.sleepLeavesMiB } : {}),
    ...(sim?.failWake !== undefined ? { failWake: sim.failWake } : {}),
  };
  return {
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    servedModel: backend.servedModel,
    kind: backend.kind,
    ...(backend.maxModelLen ? { maxModelLen: backend.maxModelLen } : {}),
    ...(sim ? { loadMs: sim.loadMs, ttftMs: sim.ttftMs, tokensPerSecond: sim.tokensPerSecond, maxNumSeqs: sim.maxNumSeqs } : {}),
    ...(sim?.vllmVersion ? { vllmVersion: sim.vllmVersion } : {}),
    ...(sim?.reasoning !== undefined ? { reasoning: sim.reasoning } : {}),
    tensorParallelSize: Math.max(1, backend.gpus.length),
    ...(sim ? { memoryMiB: sim.memoryMiB } : {}),
    ...(sim?.weightsMiB !== undefined ? { weightsMiB: sim.weightsMiB } : {}),
    ...(sim?.sleepResidueMiB !== undefined ? { sleepResidueMiB: sim.sleepResidueMiB } : {}),
    ...(sim?.hostToGpuMiBps !== undefined ? { hostToGpuMiBps: sim.hostToGpuMiBps } : {}),
    ...(sim?.diskMiBps !== undefined ? { diskMiBps: sim.diskMiBps } : {}),
    // As a real deployment of a sleeping backend must: vLLM's flag plus the env that registers the routes.
    ...(backend.sleep ? { enableSleepMode: true, serverDevMode: true } : {}),
    ...(Object.keys(sleepFaults).length > 0 ? { faults: sleepFaults } : {}),
    // With it the simulator refuses to start or wake as vLLM does when its GPUs lack room (told by the runtime).
    ...(backend.gpuMemoryUtilization !== undefined ? { gpuMemoryUtilization: backend.gpuMemoryUtilization, gpuTotalMiB: SIMULATED_GPU.memoryTotalMiB } : {}),
  };
}

interface SimulatedContainer {
  process: SimulatorProcess | null;
  /** Set once the simulator listens (its model is "loaded"). */
  listening: boolean;
  exitCode: number | null;
  oomKilled: boolean;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Our own lifecycle lines plus the simulator's stderr, newest last. */
  logs: string[];
  /** Memory per GPU the simulator last reported (its `gpu_memory` log line: a sleep or wake); null = not reported. */
  reportedMemoryMiB: number | null;
}

const LOG_LINES_KEPT = 500;

/**
 * The container runtime of the simulated lab: each backend is a simulator child process that Switchyard starts
 * and stops itself, reporting the same states a Docker engine would (running, exited with a code, OOM-killed at
 * load when the simulator's fault switches say so).
 */
export class SimulatedRuntime implements ContainerRuntime {
  readonly kind = "simulated" as const;
  private readonly containers = new Map<string, SimulatedContainer>();
  private readonly listeners = new Set<(event: ContainerEvent) => void>();
  /** Faults applied to a backend's next start (e.g. failAtLoad for an OOM at load). */
  private readonly startFaults = new Map<string, SimFaultsPatch>();

  constructor(private readonly config: () => LabConfig) {}

  async ping(): Promise<{ ok: true }> {
    return { ok: true };
  }

  async inspect(backendId: string): Promise<ContainerInfo> {
    const container = this.containers.get(backendId);
    const state: ContainerState = !container ? "created" : container.process ? "running" : "exited";
    return {
      backendId,
      name: `sim:${backendId}`,
      state,
      exitCode: container?.exitCode ?? null,
      oomKilled: container?.oomKilled ?? false,
      // Docker's RestartCount counts the engine's own restarts (a restart policy), not starts asked for through the
      // API; Switchyard starts and stops containers itself and sets no policy, so a simulated one never has any.
      // Restarts Switchyard made are counted from their records (the status's `restarts`).
      restartCount: 0,
      startedAt: container?.startedAt ?? null,
      finishedAt: container?.finishedAt ?? null,
      error: null,
    };
  }

  /** True once a running simulator listens: its model has "loaded". */
  isLoaded(backendId: string): boolean {
    const container = this.containers.get(backendId);
    return Boolean(container?.process && container.listening);
  }

  /**
   * What each of the backend's GPUs holds as the simulator reported it (it changes when the engine sleeps or
   * wakes); null until it reports, when the configured `sim.memoryMiB` applies.
   */
  gpuMemoryMiB(backendId: string): number | null {
    const container = this.containers.get(backendId);
    return container?.process ? container.reportedMemoryMiB : null;
  }

  isRunning(backendId: string): boolean {
    return Boolean(this.containers.get(backendId)?.process);
  }

  setStartFaults(backendId: string, faults: SimFaultsPatch): void {
    this.startFaults.set(backendId, faults);
  }

  async start(backendId: string): Promise<void> {
    const backend = this.config().backends[backendId];
    if (!backend) throw new Error(`unknown backend ${backendId}`);
    const container = this.containerOf(backendId);
    if (container.process) return;
    const faults = this.startFaults.get(backendId);
    this.startFaults.delete(backendId);
    const options = simulatorOptionsFor(backend);
    // Log lines of an older process of this backend must not overwrite what this one reports.
    let spawned: SimulatorProcess | null = null;
    const process = await spawnSimulator(
      {
        ...options,
        ...(faults ? { faults: { ...options.faults, ...faults } } : {}),
        ...(options.gpuMemoryUtilization !== undefined ? { gpuFreeMiB: this.gpuFreeMiB(backendId) } : {}),
      },
      {
        waitReady: false,
        onStderrLine: (line) => {
          this.log(container, line);
          const memory = reportedMemoryMiB(line);
          if (memory !== null && (spawned === null || container.process === spawned)) {
            container.reportedMemoryMiB = memory;
            this.tellGpuFree();
          }
        },
      },
    );
    spawned = process;
    Object.assign(container, {
      process,
      listening: false,
      exitCode: null,
      oomKilled: false,
      startedAt: new Date(),
      finishedAt: null,
      reportedMemoryMiB: null,
    });
    this.log(container, `[switchyard] started simulator pid ${process.pid} for ${backendId} on ${backend.url}`);
    this.tellGpuFree();
    this.emit(backendId, "start", null);
    process.waitUntilListening(backend.sim ? backend.sim.loadMs + 60_000 : 120_000).then(
      () => {
        if (container.process === process) container.listening = true;
      },
      () => undefined,
    );
    void process.exited.then((code) => {
      if (container.process !== process) return;
      const oom = /out of memory/i.test(process.stderr());
      Object.assign(container, { process: null, listening: false, exitCode: code ?? 137, oomKilled: oom, finishedAt: new Date() });
      this.tellGpuFree();
      this.log(container, `[switchyard] simulator for ${backendId} exited with code ${container.exitCode}${oom ? " (CUDA out of memory)" : ""}`);
      this.emit(backendId, oom ? "oom" : "die", container.exitCode);
    });
  }

  async stop(backendId: string): Promise<void> {
    const container = this.containers.get(backendId);
    const process = container?.process;
    if (!container || !process) return;
    // Cleared first so the exit is reported as a stop, not a crash.
    container.process = null;
    container.listening = false;
    const code = await process.stop();
    Object.assign(container, { exitCode: code ?? 0, finishedAt: new Date() });
    this.tellGpuFree();
    this.log(container, `[switchyard] stopped ${backendId} (exit code ${container.exitCode})`);
    this.emit(backendId, "stop", container.exitCode);
  }

  async restart(backendId: string): Promise<void> {
    await this.stop(backendId);
    await this.start(backendId);
  }

  /** Kills a backend's process as a crash would (for the watchdog demo and tests). */
  kill(backendId: string, signal: NodeJS.Signals = "SIGKILL"): boolean {
    return this.containers.get(backendId)?.process?.kill(signal) ?? false;
  }

  async logs(backendId: string, options: { tail?: number } = {}): Promise<string[]> {
    const lines = this.containers.get(backendId)?.logs ?? [];
    return lines.slice(-(options.tail ?? 100));
  }

  onEvent(listener: (event: ContainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await Promise.all([...this.containers.keys()].map((id) => this.stop(id)));
    this.listeners.clear();
  }

  /** The least free memory on a backend's GPUs, others' engines only (what vLLM would measure there). */
  private gpuFreeMiB(backendId: string): number {
    const backends = this.config().backends;
    const holders = [...this.containers].flatMap(([id, container]) => {
      const backend = backends[id];
      if (!container.process || !backend) return [];
      const memoryMiB = container.reportedMemoryMiB ?? backend.sim?.memoryMiB ?? SIMULATED_GPU.memoryTotalMiB * DEFAULT_MEMORY_SHARE;
      return [{ id, gpus: backend.gpus, memoryMiB }];
    });
    return leastFreeMiB(backends[backendId]?.gpus ?? [], holders, backendId, { totalMiB: SIMULATED_GPU.memoryTotalMiB, idleMiB: SIMULATED_GPU.idleMemoryMiB });
  }

  /** Tells every running simulator that declares `gpuMemoryUtilization` what its GPUs have free now. */
  private tellGpuFree(): void {
    const backends = this.config().backends;
    for (const [id, container] of this.containers) {
      if (container.process && backends[id]?.gpuMemoryUtilization !== undefined) container.process.send(gpuFreeLine(this.gpuFreeMiB(id)));
    }
  }

  private containerOf(backendId: string): SimulatedContainer {
    let container = this.containers.get(backendId);
    if (!container) {
      container = {
        process: null,
        listening: false,
        exitCode: null,
        oomKilled: false,
        startedAt: null,
        finishedAt: null,
        logs: [],
        reportedMemoryMiB: null,
      };
      this.containers.set(backendId, container);
    }
    return container;
  }

  private log(container: SimulatedContainer, line: string): void {
    container.logs.push(line);
    if (container.logs.length > LOG_LINES_KEPT) container.logs.splice(0, container.logs.length - LOG_LINES_KEPT);
  }

  private emit(backendId: string, action: string, exitCode: number | null): void {
    for (const listener of this.listeners) listener({ backendId, action, exitCode, at: new Date() });
  }
}

/** The per-GPU memory of a simulator's `{"event":"gpu_memory","perGpuMiB":N}` log line, else null. */
export function reportedMemoryMiB(line: string): number | null {
  if (!line.includes('"gpu_memory"')) return null;
  try {
    const entry = JSON.parse(line) as { event?: unknown; perGpuMiB?: unknown };
    return entry.event === "gpu_memory" && typeof entry.perGpuMiB === "number" ? entry.perGpuMiB : null;
  } catch {
    return null;
  }
}
