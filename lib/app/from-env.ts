import path from "node:path";
import type { LabConfig } from "@/lib/config/schema";
import { createConfigStore } from "@/lib/config/store";
import { getEnv, resolveConfigPath, type Env } from "@/lib/env";
import { createDockerRuntime } from "@/lib/runtime/docker";
import { SimulatedRuntime } from "@/lib/runtime/simulated";
import type { ContainerRuntime } from "@/lib/runtime/types";
import { createSwitchyard, type Switchyard, type SwitchyardOptions } from "./switchyard";

/** The Switchyard of a server process: its parts chosen by the environment and the lab config. */
export function switchyardOptionsFromEnv(env: Env = getEnv()): SwitchyardOptions {
  const configStore = createConfigStore({ path: resolveConfigPath(env) });
  console.log(`[switchyard] lab config: ${configStore.path}`);
  return {
    configStore,
    dbFile: path.resolve(env.SWITCHYARD_DB),
    runtime: runtimeFor(configStore.current, env.DOCKER_HOST),
    adminSecrets: { password: env.SWITCHYARD_ADMIN_PASSWORD, token: env.SWITCHYARD_ADMIN_TOKEN },
    requestLog: env.SWITCHYARD_REQUEST_LOG !== "off",
  };
}

export async function createSwitchyardFromEnv(env: Env = getEnv()): Promise<Switchyard> {
  const switchyard = await createSwitchyard(switchyardOptionsFromEnv(env));
  if (switchyard.adminAuth.open) console.warn("[switchyard] the console and admin API are OPEN: set SWITCHYARD_ADMIN_PASSWORD and/or SWITCHYARD_ADMIN_TOKEN");
  return switchyard;
}

/** The container runtime the config names; chosen once at start (changing it needs a restart). */
export function runtimeFor(config: () => LabConfig, dockerHost: string | undefined): ContainerRuntime | null {
  switch (config().runtime) {
    case "simulated":
      return new SimulatedRuntime(config);
    case "docker":
      return createDockerRuntime({
        docker: { dockerHost },
        containers: () => Object.fromEntries(Object.entries(config().backends).map(([id, b]) => [id, b.container])),
      });
    case "none":
      return null;
  }
}
