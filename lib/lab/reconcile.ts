import type { LabConfig } from "@/lib/config/schema";
import type { ContainerRuntime } from "@/lib/runtime/types";
import { backendsOfMode } from "@/lib/routing/resolve";

/**
 * Brings the containers in line with the mode Switchyard believes in (the last one a switch completed): those of
 * other modes stop (they hold GPU memory the mode needs), those of the mode start. A switch interrupted by a
 * restart of Switchyard thus ends in the declared mode. Returns what it did, for the lab events.
 */
export async function reconcileContainers(config: LabConfig, mode: string, runtime: ContainerRuntime): Promise<{ stopped: string[]; started: string[]; problems: string[] }> {
  const inMode = new Set(backendsOfMode(config, mode));
  const managed = Object.entries(config.backends).filter(([, b]) => b.container || runtime.kind === "simulated");
  const stopped: string[] = [];
  const started: string[] = [];
  const problems: string[] = [];
  for (const [id] of managed.filter(([id]) => !inMode.has(id))) {
    try {
      const info = await runtime.inspect(id);
      if (info.state === "running" || info.state === "restarting") {
        await runtime.stop(id, { timeoutSeconds: config.lab.stopTimeoutSeconds });
        stopped.push(id);
      }
    } catch (error) {
      problems.push(`${id}: ${(error as Error).message}`);
    }
  }
  for (const [id] of managed.filter(([id]) => inMode.has(id))) {
    try {
      const info = await runtime.inspect(id);
      if (info.state !== "running") {
        await runtime.start(id);
        started.push(id);
      }
    } catch (error) {
      problems.push(`${id}: ${(error as Error).message}`);
    }
  }
  return { stopped, started, problems };
}
