import type { LabConfig } from "@/lib/config/schema";
import type { ContainerRuntime } from "@/lib/runtime/types";
import { backendsOfMode } from "@/lib/routing/resolve";
import type { EngineSleepControl, SleepLevel } from "./engine-sleep";

/** How reconciliation treats engines that may be asleep: asks them, and tells the controller which it leaves asleep. */
export interface ReconcileSleep {
  engines: EngineSleepControl;
  adopt: (backendId: string, level: SleepLevel) => void;
}

export interface ReconcileResult {
  stopped: string[];
  started: string[];
  /** Other modes' engines found asleep and left so (they hold little memory; the switch's memory check still guards the GPUs). */
  leftAsleep: string[];
  /** The mode's engines found asleep (a switch interrupted after its sleep step) and woken. */
  woken: string[];
  /** When each started container was asked to start (epoch ms): where its load's timing begins. */
  startedAt: Record<string, number>;
  problems: string[];
}

/**
 * Brings the containers in line with the mode Switchyard believes in (the last one a switch completed): those of
 * other modes stop (they hold GPU memory the mode needs), those of the mode start. A switch interrupted by a
 * restart of Switchyard thus ends in the declared mode. With sleep mode, an engine of another mode that declares
 * `sleep` and says it is asleep stays asleep (waking it later is the fast path; the memory check of the next
 * switch or restart stops it if its residue is in the way), and an engine of the mode that is asleep is woken, or
 * restarted if its wake fails. Returns what it did, for the lab events.
 */
export async function reconcileContainers(
  config: LabConfig,
  mode: string,
  runtime: ContainerRuntime,
  sleep?: ReconcileSleep,
  now: () => number = Date.now,
): Promise<ReconcileResult> {
  const inMode = new Set(backendsOfMode(config, mode));
  const managed = Object.entries(config.backends).filter(([, b]) => b.container || runtime.kind === "simulated");
  const result: ReconcileResult = { stopped: [], started: [], leftAsleep: [], woken: [], startedAt: {}, problems: [] };
  const asleep = async (id: string) => {
    if (!sleep || !config.backends[id]?.sleep) return false;
    return sleep.engines.isSleeping(id).catch(() => false);
  };
  for (const [id, backend] of managed.filter(([id]) => !inMode.has(id))) {
    try {
      const info = await runtime.inspect(id);
      if (info.state !== "running" && info.state !== "restarting") continue;
      if (info.state === "running" && backend.sleep && (await asleep(id))) {
        sleep?.adopt(id, backend.sleep.level);
        result.leftAsleep.push(id);
        continue;
      }
      await runtime.stop(id, { timeoutSeconds: config.lab.stopTimeoutSeconds });
      result.stopped.push(id);
    } catch (error) {
      result.problems.push(`${id}: ${(error as Error).message}`);
    }
  }
  for (const [id, backend] of managed.filter(([id]) => inMode.has(id))) {
    try {
      const info = await runtime.inspect(id);
      if (info.state === "running" && (await asleep(id))) {
        // The level it was put to sleep at is not known after a restart: the one its config declares.
        const woke = await sleep?.engines.wakeUp(id, backend.sleep?.level ?? 1).then(
          () => true,
          () => false,
        );
        if (woke) {
          result.woken.push(id);
          continue;
        }
        await runtime.stop(id, { timeoutSeconds: config.lab.stopTimeoutSeconds });
        result.stopped.push(id);
      } else if (info.state === "running") {
        continue;
      }
      const since = now();
      await runtime.start(id);
      result.started.push(id);
      result.startedAt[id] = since;
    } catch (error) {
      result.problems.push(`${id}: ${(error as Error).message}`);
    }
  }
  return result;
}
