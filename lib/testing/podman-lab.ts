import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { pickFreePort } from "@/lib/sim/ports";
import { DESIGN_MODES_AND_ROUTES, startAppHarness, type AppHarness } from "./app-harness";
import { TEST_DOCKER_SOCKET, testEngineAnswers } from "./test-engine";

/**
 * The standard/deep lab on real containers (Podman's Docker API, started by scripts/ci/podman-setup.sh): one
 * simulator container per backend, created the way an operator would (scripts/ci/podman-create-sim.sh) and adopted
 * by name by Switchyard on `runtime: docker`. The docker-runtime suites share it; each gives its own name prefix.
 */

const CREATE_SIM = path.resolve(__dirname, "../../scripts/ci/podman-create-sim.sh");
const run = promisify(execFile);

export const PODMAN_LAB_MODELS = { "qwen-7b": "qwen2.5-7b-instruct", "qwen-14b": "qwen2.5-14b-instruct-awq", "qwen-32b": "qwen2.5-32b-instruct-awq" } as const;
export type PodmanLabBackend = keyof typeof PODMAN_LAB_MODELS;
const BACKENDS = Object.keys(PODMAN_LAB_MODELS) as PodmanLabBackend[];
const GPUS: Record<PodmanLabBackend, string> = { "qwen-7b": "[0]", "qwen-14b": "[1]", "qwen-32b": "[0, 1]" };

export interface PodmanLabOptions {
  /** Container names are `<prefix>-<7b|14b|32b>-<pid and time>`, unique per run. */
  prefix: string;
  /** Engines started with vLLM's sleep flags, and backends declaring `sleep: { level: 1 }`. */
  sleep?: boolean;
}

export interface PodmanLab {
  app: AppHarness;
  engine: Docker;
  names: Record<PodmanLabBackend, string>;
  ports: Record<PodmanLabBackend, number>;
  containerState(id: PodmanLabBackend): Promise<Docker.ContainerInspectInfo["State"]>;
  /** Stops the app and removes the containers. */
  close(): Promise<void>;
}

export async function startPodmanLab({ prefix, sleep = false }: PodmanLabOptions): Promise<PodmanLab> {
  if (!testEngineAnswers()) throw new Error(`CI=true but no container engine at ${TEST_DOCKER_SOCKET}: run scripts/ci/podman-setup.sh first`);
  const engine = new Docker({ socketPath: TEST_DOCKER_SOCKET });
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const names = Object.fromEntries(BACKENDS.map((id) => [id, `${prefix}-${id.slice("qwen-".length)}-${suffix}`])) as Record<PodmanLabBackend, string>;
  const ports = {} as Record<PodmanLabBackend, number>;
  for (const id of BACKENDS) ports[id] = await pickFreePort();

  const sleepArgs = sleep ? ["--env", "VLLM_SERVER_DEV_MODE=1", "--enable-sleep-mode"] : [];
  for (const id of BACKENDS) await run(CREATE_SIM, [names[id], String(ports[id]), PODMAN_LAB_MODELS[id], ...sleepArgs, "--tokens-per-second", "80"]);

  const sleepField = sleep ? ", sleep: { level: 1 }" : "";
  const backendLines = BACKENDS.map(
    (id) => `  ${id}: { url: "http://127.0.0.1:${ports[id]}", container: ${names[id]}, servedModel: ${PODMAN_LAB_MODELS[id]}, gpus: ${GPUS[id]}${sleepField} }`,
  );
  const removeContainers = async () => {
    for (const name of Object.values(names)) await engine.getContainer(name).remove({ force: true }).catch(() => undefined);
  };
  let app: AppHarness;
  try {
    app = await startAppHarness({
      ports,
      dockerHost: `unix://${TEST_DOCKER_SOCKET}`,
      yaml: () => `
runtime: docker
gpuTelemetry: none
auth: open
backends:
${backendLines.join("\n")}
${DESIGN_MODES_AND_ROUTES}lab: { drainSeconds: 5, stopTimeoutSeconds: 5, loadTimeoutSeconds: 60 }
`,
    });
  } catch (error) {
    await removeContainers();
    throw error;
  }
  return {
    app,
    engine,
    names,
    ports,
    containerState: async (id) => (await engine.getContainer(names[id]).inspect()).State,
    close: async () => {
      await app.close();
      await removeContainers();
    },
  };
}
