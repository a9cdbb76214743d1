import type { LabConfig } from "@/lib/config/schema";
import type { Clock } from "./clock";
import type { EngineSleepControl } from "./engine-sleep";
import { StepFailedError } from "./errors";
import type { SleepingEngines } from "./sleeping-engines";
import { describeBusy, describeRoom, gpusToCheck, seconds, type EnteringOnGpus, type OperationTimings, type StepActions } from "./step-actions";

export interface SleepActionDeps {
  config: () => LabConfig;
  /** The engines' sleep endpoints; null = no backend is ever put to sleep. */
  engineSleep: EngineSleepControl | null;
  steps: StepActions;
  sleeping: SleepingEngines;
  gpuMemoryUsedMiB: (gpu: number) => number | null;
  clock: Clock;
  timings: OperationTimings;
}

/**
 * The sleep-aware parts of a mode switch: putting leaving engines to sleep, waking entering ones, and a GPU
 * memory check that counts what sleeping engines still hold. An engine's word that it sleeps is never enough:
 * only GPU telemetry says the memory is free, and a sleeping engine whose residue keeps a GPU busy is stopped.
 */
export class SleepActions {
  constructor(private readonly deps: SleepActionDeps) {}

  /** Backends Switchyard may put to sleep: managed, declaring `sleep`, with the endpoints' client at hand. */
  sleepCapable(backendIds: string[]): string[] {
    if (!this.deps.engineSleep) return [];
    const config = this.deps.config();
    return this.deps.steps.managed(backendIds).filter((id) => config.backends[id]?.sleep);
  }

  /**
   * `POST /sleep?level=N`, then `GET /is_sleeping` must say true. Engines that refuse, fail or stay awake are
   * returned as `failed`: the caller stops them instead.
   */
  async putToSleep(backendIds: string[]): Promise<{ detail: string; failed: string[] }> {
    const engines = this.deps.engineSleep;
    if (backendIds.length === 0 || !engines) return { detail: "no engine to put to sleep", failed: [] };
    const { clock, config, sleeping } = this.deps;
    const started = clock.now();
    const outcomes = await Promise.all(
      backendIds.map(async (id) => {
        const level = config().backends[id]?.sleep?.level ?? 1;
        try {
          await engines.sleep(id, level);
          if (!(await engines.isSleeping(id))) throw new Error(`${id}: /is_sleeping still answers false after POST /sleep`);
          sleeping.set(id, level, clock.now());
          return { id, level, error: null };
        } catch (error) {
          return { id, level, error: (error as Error).message };
        }
      }),
    );
    const asleep = outcomes.filter((o) => o.error === null);
    const failed = outcomes.filter((o) => o.error !== null);
    const parts = [
      ...asleep.map((o) => `${o.id} asleep (level ${o.level})`),
      ...failed.map((o) => `${o.id} could not sleep (${o.error}): it is stopped instead`),
    ];
    return { detail: `${parts.join("; ")} in ${seconds(clock.now() - started)}`, failed: failed.map((o) => o.id) };
  }

  /**
   * Wakes each engine at the level it sleeps at (level 2: weights, `reload_weights`, KV cache; engine-sleep.ts),
   * then `GET /is_sleeping` must say false. Engines whose wake fails are returned as `failed`.
   */
  async wake(backendIds: string[]): Promise<{ detail: string; woken: string[]; failed: string[] }> {
    const engines = this.deps.engineSleep;
    if (backendIds.length === 0 || !engines) return { detail: "no engine to wake", woken: [], failed: [] };
    const { clock, sleeping, config } = this.deps;
    const outcomes = await Promise.all(
      backendIds.map(async (id) => {
        const started = clock.now();
        // The level it was put to sleep at; for an engine found asleep, the level its config declares.
        const level = sleeping.get(id)?.level ?? config().backends[id]?.sleep?.level ?? 1;
        try {
          await engines.wakeUp(id, level);
          if (await engines.isSleeping(id)) throw new Error(`${id}: /is_sleeping still answers true after the wake`);
          sleeping.delete(id);
          return { id, level, ms: clock.now() - started, error: null };
        } catch (error) {
          return { id, level, ms: clock.now() - started, error: (error as Error).message };
        }
      }),
    );
    const woken = outcomes.filter((o) => o.error === null);
    const failed = outcomes.filter((o) => o.error !== null);
    const how = (level: number) => (level === 2 ? " (level 2: weights woken, reloaded from disk, KV cache woken)" : "");
    const parts = [...woken.map((o) => `${o.id} awake in ${seconds(o.ms)}${how(o.level)}`), ...failed.map((o) => `${o.id} did not wake (${o.error}): cold start`)];
    return { detail: parts.join("; "), woken: woken.map((o) => o.id), failed: failed.map((o) => o.id) };
  }

  /** Stops engines and forgets that they slept (a stopped container starts awake). */
  async stop(backendIds: string[]): Promise<string> {
    const detail = await this.deps.steps.stop(backendIds);
    for (const id of backendIds) this.deps.sleeping.delete(id);
    return detail;
  }

  /**
   * The GPUs' memory check before `backendIds` start or wake, counting what sleeping engines still hold: every GPU
   * they use (but those a staying backend fills) must have room for them, residue included: the share each declares
   * (`gpuMemoryUtilization` x the GPU's total) free, else less than `lab.memoryReleasedBelowMiB` held. A GPU still
   * without room after `sleepReleaseMs` with sleeping engines on it gets them stopped (the first group of
   * `fallbackOrder` that has one there; the next group only if that was not enough), and the check goes on; without
   * a sleeping engine to stop, a GPU still without room after `memoryReleaseMs` fails the step.
   */
  async releaseGpus(backendIds: string[], occupiedByStaying: Set<number>, fallbackOrder: string[][]): Promise<string> {
    const { steps, timings, clock, sleeping } = this.deps;
    const gpus = [...new Set(backendIds.flatMap((id) => this.gpusOf(id)))];
    const toCheck = gpusToCheck(gpus, occupiedByStaying);
    // Read again at each poll: an entering engine stopped by the fallback cold-starts, which needs a little more.
    const entering = () => this.entering(backendIds);
    const sleepersOn = (busy: number[]) =>
      fallbackOrder.map((group) => group.filter((id) => sleeping.has(id) && this.gpusOf(id).some((gpu) => busy.includes(gpu)))).find((group) => group.length > 0) ?? [];
    if (sleepersOn(toCheck).length === 0) return steps.waitGpuMemory(gpus, occupiedByStaying, entering());
    if (!steps.hasGpuTelemetry(toCheck)) return "no GPU telemetry: neither the release nor the sleeping engines' residue verified";
    const started = clock.now();
    let phaseStarted = started;
    let deadline = started + timings.memoryReleaseMs;
    const notes: string[] = [];
    for (;;) {
      const fits = steps.gpuFits(toCheck, entering());
      const busy = fits.filter((fit) => !fit.fits);
      if (busy.length === 0) return [...notes, describeRoom(fits, entering(), clock.now() - started)].join("; ");
      const busyText = describeBusy(busy, entering());
      const now = clock.now();
      const fallback = sleepersOn(busy.map((b) => b.gpu));
      if (fallback.length > 0 && now - phaseStarted >= timings.sleepReleaseMs) {
        await this.stop(fallback);
        notes.push(`${busyText} with ${fallback.join(", ")} asleep: too much left behind, stopped ${fallback.join(", ")}`);
        phaseStarted = clock.now();
        deadline = Math.max(deadline, phaseStarted + timings.memoryReleaseMs);
        continue;
      }
      if (fallback.length === 0 && now >= deadline) {
        throw new StepFailedError(`GPU memory not released after ${seconds(now - started)}: ${[...notes, busyText].join("; ")}; another process may be using it`);
      }
      await clock.sleep(timings.pollMs);
    }
  }

  /** The engines about to start or wake, with what each declares it needs and whether it wakes (is asleep now). */
  private entering(backendIds: string[]): EnteringOnGpus[] {
    const backends = this.deps.config().backends;
    return backendIds.map((id) => ({ id, gpus: this.gpusOf(id), utilization: backends[id]?.gpuMemoryUtilization ?? null, waking: this.deps.sleeping.has(id) }));
  }

  private gpusOf(backendId: string): number[] {
    return this.deps.config().backends[backendId]?.gpus ?? [];
  }
}
