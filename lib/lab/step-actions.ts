import type { InFlightTracker } from "@/lib/admission/in-flight";
import type { LabConfig } from "@/lib/config/schema";
import type { ContainerRuntime } from "@/lib/runtime/types";
import type { Clock } from "./clock";
import { StepFailedError } from "./errors";
import { describeFit, fitOnGpu, thresholdOnly, type EnteringEngine, type GpuFit } from "./gpu-memory-need";

/** How long each bounded wait of an operation may take. */
export interface OperationTimings {
  /** In-flight requests get this long to finish before they are cut with an error event. */
  drainMs: number;
  /** Grace given to a container to stop before it is killed. */
  stopTimeoutSeconds: number;
  /** Time for the GPUs' memory to be released after the containers stopped. */
  memoryReleaseMs: number;
  /** A GPU counts as released when it holds less than this (for engines that declare no gpuMemoryUtilization). */
  memoryReleasedBelowMiB: number;
  /**
   * How long a GPU may take to read as released once engines on it went to sleep (and the stopped containers
   * exited) before the sleeping engines on it are stopped instead: a few telemetry intervals.
   */
  sleepReleaseMs: number;
  /** Time for a model to load and pass its health checks. */
  loadTimeoutMs: number;
  pollMs: number;
}

export const defaultTimings: OperationTimings = {
  drainMs: 30_000,
  stopTimeoutSeconds: 30,
  memoryReleaseMs: 60_000,
  memoryReleasedBelowMiB: 2048,
  sleepReleaseMs: 10_000,
  loadTimeoutMs: 600_000,
  pollMs: 250,
};

export type ReadinessProbe = (backendId: string) => Promise<"ready" | "refused" | "unhealthy">;

export interface StepActionDeps {
  config: () => LabConfig;
  runtime: ContainerRuntime | null;
  inFlight: InFlightTracker;
  gpuMemoryUsedMiB: (gpu: number) => number | null;
  /** A GPU's total memory from telemetry; absent or null: unknown, and the fixed threshold applies. */
  gpuMemoryTotalMiB?: (gpu: number) => number | null;
  probeReady: ReadinessProbe;
  /** A one-token completion: proves the engine generates, not just that its HTTP server is up. */
  probeGeneration: (backendId: string) => Promise<void>;
  clock: Clock;
  timings: OperationTimings;
}

/** The work of each step, shared by mode switches and restarts. Each returns a one-line detail for the record. */
export class StepActions {
  constructor(private readonly deps: StepActionDeps) {}

  async drain(backendIds: string[]): Promise<string> {
    if (backendIds.length === 0) return "nothing to drain";
    const { clock, inFlight, timings } = this.deps;
    const started = clock.now();
    const remaining = () => backendIds.reduce((sum, id) => sum + inFlight.inFlight(id), 0);
    while (remaining() > 0 && clock.now() - started < timings.drainMs) await clock.sleep(Math.min(timings.pollMs, 50));
    const left = remaining();
    if (left === 0) return `drained in ${seconds(clock.now() - started)}`;
    const cut = backendIds.reduce((sum, id) => sum + inFlight.evict(id, `Backend ${id} is being stopped by a lab operation; the request was cut after the ${seconds(timings.drainMs)} drain.`), 0);
    return `${cut} request(s) still running after ${seconds(timings.drainMs)} were ended with an error`;
  }

  /** Backends Switchyard can start and stop: a container and a runtime to run it. */
  managed(backendIds: string[]): string[] {
    const config = this.deps.config();
    return this.deps.runtime ? backendIds.filter((id) => config.backends[id]?.container || config.runtime === "simulated") : [];
  }

  async stop(backendIds: string[]): Promise<string> {
    const managed = this.managed(backendIds);
    if (managed.length === 0) return describeNone(backendIds, "stop");
    const runtime = this.deps.runtime as ContainerRuntime;
    await Promise.all(
      managed.map(async (id) => {
        try {
          await runtime.stop(id, { timeoutSeconds: this.deps.timings.stopTimeoutSeconds });
        } catch (error) {
          throw new StepFailedError(`could not stop ${id}: ${(error as Error).message}`);
        }
      }),
    );
    return `stopped ${managed.join(", ")}`;
  }

  async start(backendIds: string[]): Promise<string> {
    const managed = this.managed(backendIds);
    if (managed.length === 0) return describeNone(backendIds, "start");
    const runtime = this.deps.runtime as ContainerRuntime;
    for (const id of managed) {
      try {
        await runtime.start(id);
      } catch (error) {
        throw new StepFailedError(`could not start ${id}: ${(error as Error).message}`);
      }
    }
    return `started ${managed.join(", ")}`;
  }

  /**
   * Waits until the GPUs the entering backends need have room for them: the share each declares
   * (`gpuMemoryUtilization` x the GPU's total, lib/lab/gpu-memory-need.ts), else less than `memoryReleasedBelowMiB`
   * held. vLLM refuses to start without that room, and a restart loop follows. GPUs still used by a backend that
   * stays are not checked (their memory is legitimately in use).
   */
  async waitGpuMemory(gpus: number[], occupiedByStaying: Set<number>, entering: readonly EnteringOnGpus[] = []): Promise<string> {
    const toCheck = gpusToCheck(gpus, occupiedByStaying);
    if (toCheck.length === 0) return gpus.length === 0 ? "no GPUs involved" : "GPUs shared with running backends: not checked";
    if (!this.hasGpuTelemetry(toCheck)) return "no GPU telemetry: memory release not verified";
    const result = await this.waitGpusReleased(toCheck, this.deps.timings.memoryReleaseMs, entering);
    if (result.released) return result.detail;
    throw new StepFailedError(`GPU memory not released after ${seconds(this.deps.timings.memoryReleaseMs)}: ${result.detail}; another process may be using it`);
  }

  hasGpuTelemetry(gpus: number[]): boolean {
    return gpus.some((gpu) => this.deps.gpuMemoryUsedMiB(gpu) !== null);
  }

  /** Each GPU's reading now, and whether the entering engines on it fit. */
  gpuFits(gpus: number[], entering: readonly EnteringOnGpus[]): GpuFit[] {
    return gpus.map((gpu) =>
      fitOnGpu(
        { gpu, usedMiB: this.deps.gpuMemoryUsedMiB(gpu), totalMiB: this.deps.gpuMemoryTotalMiB?.(gpu) ?? null },
        entering.filter((engine) => engine.gpus.includes(gpu)),
        this.deps.timings.memoryReleasedBelowMiB,
      ),
    );
  }

  /**
   * Polls the GPUs' memory until every one has room for the entering engines or `windowMs` has passed. The detail
   * names the readings: the time it took when there is room, the GPUs without room when not.
   */
  async waitGpusReleased(
    gpus: number[],
    windowMs: number,
    entering: readonly EnteringOnGpus[] = [],
  ): Promise<{ released: true; detail: string } | { released: false; busy: number[]; detail: string }> {
    const { clock, timings } = this.deps;
    const started = clock.now();
    for (;;) {
      const fits = this.gpuFits(gpus, entering);
      const busy = fits.filter((fit) => !fit.fits);
      if (busy.length === 0) return { released: true, detail: describeRoom(fits, entering, clock.now() - started) };
      if (clock.now() - started >= windowMs) return { released: false, busy: busy.map((b) => b.gpu), detail: describeBusy(busy, entering) };
      await clock.sleep(timings.pollMs);
    }
  }

  /** Connection refused -> /health 200 -> a one-token probe, bounded by the load timeout; a container that exits fails fast. */
  async waitReady(backendIds: string[]): Promise<string> {
    const { clock, timings } = this.deps;
    const started = clock.now();
    const details = await Promise.all(
      backendIds.map(async (id) => {
        for (;;) {
          const state = await this.deps.probeReady(id);
          if (state === "ready") break;
          await this.failIfExited(id);
          if (clock.now() - started >= timings.loadTimeoutMs) {
            throw new StepFailedError(`${id} was not ready after ${seconds(timings.loadTimeoutMs)} (last check: ${state === "refused" ? "connection refused, still loading" : "/health failing"})`);
          }
          await clock.sleep(timings.pollMs);
        }
        try {
          await this.deps.probeGeneration(id);
        } catch (error) {
          throw new StepFailedError(`${id} answers /health but the one-token probe failed: ${(error as Error).message}`);
        }
        return `${id} ready in ${seconds(clock.now() - started)}`;
      }),
    );
    return details.length === 0 ? "nothing to wait for" : details.join(", ");
  }

  private async failIfExited(id: string): Promise<void> {
    if (!this.deps.runtime || this.managed([id]).length === 0) return;
    const info = await this.deps.runtime.inspect(id).catch(() => null);
    if (info && (info.state === "exited" || info.state === "dead")) {
      const logs = await this.deps.runtime.logs(id, { tail: 3 }).catch(() => []);
      throw new StepFailedError(
        `${id} exited with code ${info.exitCode ?? "?"}${info.oomKilled ? " (OOM-killed)" : ""} while loading${logs.length > 0 ? `: ${logs.join(" | ")}` : ""}`,
      );
    }
  }
}

/** An engine about to start or wake, with the GPUs it will use. */
export type EnteringOnGpus = EnteringEngine & { gpus: readonly number[] };

/**
 * GPUs with room: with only the fixed threshold checked, the words they always had ("GPU 0, 1 released in 0.3 s
 * (480 MiB, 2930 MiB)"); otherwise what each GPU had free and what was needed.
 */
export function describeRoom(fits: GpuFit[], entering: readonly EnteringOnGpus[], elapsedMs: number): string {
  const gpus = fits.map((fit) => fit.gpu).join(", ");
  if (fits.every(thresholdOnly)) return `GPU ${gpus} released in ${seconds(elapsedMs)} (${fits.map((fit) => `${fit.usedMiB ?? "?"} MiB`).join(", ")})`;
  return `room on GPU ${gpus} after ${seconds(elapsedMs)}: ${fits.map((fit) => describeFit(fit, onGpu(entering, fit.gpu))).join("; ")}`;
}

/** GPUs without room: "GPU 1 holds 7900 MiB" (threshold only), else free against needed. */
export function describeBusy(busy: GpuFit[], entering: readonly EnteringOnGpus[]): string {
  const parts = busy.map((fit) => (thresholdOnly(fit) ? `GPU ${fit.gpu} holds ${fit.usedMiB} MiB` : describeFit(fit, onGpu(entering, fit.gpu))));
  return parts.join(busy.every(thresholdOnly) ? ", " : "; ");
}

function onGpu(entering: readonly EnteringOnGpus[], gpu: number): EnteringOnGpus[] {
  return entering.filter((engine) => engine.gpus.includes(gpu));
}

/** The GPUs a memory check looks at: each once, in order, without those a staying backend legitimately fills. */
export function gpusToCheck(gpus: number[], occupiedByStaying: Set<number>): number[] {
  return [...new Set(gpus)].filter((gpu) => !occupiedByStaying.has(gpu)).sort((a, b) => a - b);
}

function describeNone(backendIds: string[], verb: string): string {
  return backendIds.length === 0 ? `nothing to ${verb}` : `${backendIds.join(", ")} external: not ${verb === "stop" ? "stopped" : "started"} by Switchyard`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
