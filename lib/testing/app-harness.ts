import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runtimeFor } from "@/lib/app/from-env";
import { provideSwitchyard, withdrawSwitchyard } from "@/lib/app/instance";
import { createSwitchyard, type Switchyard, type SwitchyardOptions } from "@/lib/app/switchyard";
import { createConfigStore } from "@/lib/config/store";
import { pickFreePort } from "@/lib/sim/ports";
import { createAppRouter } from "./app-router";
import { serveFetchHandler, type FetchServer } from "./fetch-server";

export interface AppHarness {
  url: string;
  switchyard: Switchyard;
  configFile: string;
  /** The chat backends' ports, and the embedding backend's (a lab without one when absent). */
  ports: Record<"qwen-7b" | "qwen-14b" | "qwen-32b", number> & { embed?: number };
  close(): Promise<void>;
}

const projectRoot = path.resolve(__dirname, "../..");

/**
 * The design's lab on the simulated runtime, with free ports and short timings so a switch takes seconds. Standard
 * mode also serves embeddings (bge-small-en-v1.5 beside the 7B on GPU 0) when an `embed` port is given.
 */
export function simulatedLabYaml(ports: AppHarness["ports"]): string {
  return `
runtime: simulated
gpuTelemetry: simulated
auth: open
backends:
  qwen-7b:
    url: http://127.0.0.1:${ports["qwen-7b"]}
    servedModel: qwen2.5-7b-instruct
    gpus: [0]
    sim: { loadMs: 300, ttftMs: 20, tokensPerSecond: 100, maxNumSeqs: 32, memoryMiB: 21000 }
  qwen-14b:
    url: http://127.0.0.1:${ports["qwen-14b"]}
    servedModel: qwen2.5-14b-instruct-awq
    gpus: [1]
    sim: { loadMs: 400, ttftMs: 20, tokensPerSecond: 100, maxNumSeqs: 32, memoryMiB: 21500 }
  qwen-32b:
    url: http://127.0.0.1:${ports["qwen-32b"]}
    servedModel: qwen2.5-32b-instruct-awq
    gpus: [0, 1]
    sim: { loadMs: 600, ttftMs: 30, tokensPerSecond: 80, maxNumSeqs: 16, memoryMiB: 21000 }${
      ports.embed === undefined
        ? ""
        : `
  embed:
    url: http://127.0.0.1:${ports.embed}
    servedModel: bge-small-en-v1.5
    kind: embedding
    gpus: [0]
    maxModelLen: 512
    sim: { loadMs: 200, ttftMs: 5, tokensPerSecond: 100, maxNumSeqs: 32, memoryMiB: 1500 }`
    }
modes:
  standard: { backends: [qwen-7b, qwen-14b${ports.embed === undefined ? "" : ", embed"}], default: true }
  deep: { backends: [qwen-32b] }
routes:
  fast: [qwen-7b, qwen-32b]
  reasoning: [qwen-14b, qwen-32b]
  auto:
    auto: { fast: fast, deep: reasoning }
lab: { drainSeconds: 5, stopTimeoutSeconds: 5, memoryReleaseSeconds: 10, loadTimeoutSeconds: 30 }
telemetry: { intervalMs: 250 }
`;
}

export interface AppHarnessOptions {
  yaml?: (ports: AppHarness["ports"]) => string;
  ports?: AppHarness["ports"];
  /** The Docker Engine API for `runtime: docker`. */
  dockerHost?: string;
  /** The console's password and admin token (default: none, an open console). */
  adminSecrets?: SwitchyardOptions["adminSecrets"];
  /** The database (default: a new one in the harness's temp folder, removed on close): pass one to restart on it. */
  dbFile?: string;
}

/** The design's two modes and two routes over qwen-7b, qwen-14b and qwen-32b, as YAML lines. */
export const DESIGN_MODES_AND_ROUTES = `modes:
  standard: { backends: [qwen-7b, qwen-14b], default: true }
  deep: { backends: [qwen-32b] }
routes:
  fast: [qwen-7b, qwen-32b]
  reasoning: [qwen-14b, qwen-32b]
`;

type ChatBackendId = "qwen-7b" | "qwen-14b" | "qwen-32b";

/**
 * The design's three chat backends and two modes (no embedding backend), each engine's `sim:` block and the lab's
 * timings given, optionally with `sleep: { level: 1 }` on every engine: the sleep-switch tests and `npm run bench:switch`.
 */
export function chatLabYaml(
  ports: AppHarness["ports"],
  options: {
    sleep: boolean;
    sim: Record<ChatBackendId, string>;
    lab: string;
    telemetryIntervalMs: number;
    /** Each engine's `gpuMemoryUtilization` (none declared by default: the lab's fixed threshold applies). */
    gpuMemoryUtilization?: Record<ChatBackendId, number>;
  },
): string {
  const sleep = options.sleep ? "\n    sleep: { level: 1 }" : "";
  const share = (id: ChatBackendId) => (options.gpuMemoryUtilization ? `\n    gpuMemoryUtilization: ${options.gpuMemoryUtilization[id]}` : "");
  return `
runtime: simulated
gpuTelemetry: simulated
auth: open
backends:
  qwen-7b:
    url: http://127.0.0.1:${ports["qwen-7b"]}
    servedModel: qwen2.5-7b-instruct
    gpus: [0]${sleep}${share("qwen-7b")}
    sim: ${options.sim["qwen-7b"]}
  qwen-14b:
    url: http://127.0.0.1:${ports["qwen-14b"]}
    servedModel: qwen2.5-14b-instruct-awq
    gpus: [1]${sleep}${share("qwen-14b")}
    sim: ${options.sim["qwen-14b"]}
  qwen-32b:
    url: http://127.0.0.1:${ports["qwen-32b"]}
    servedModel: qwen2.5-32b-instruct-awq
    gpus: [0, 1]${sleep}${share("qwen-32b")}
    sim: ${options.sim["qwen-32b"]}
${DESIGN_MODES_AND_ROUTES}lab: ${options.lab}
telemetry: { intervalMs: ${options.telemetryIntervalMs} }
`;
}

/** A lab with one external backend that is not running: for tests about the doors (sign-in, keys), not the lab. */
export function doorsOnlyLabYaml(auth: "open" | "keys"): string {
  return `
runtime: none
gpuTelemetry: none
auth: ${auth}
backends:
  small: { url: "http://127.0.0.1:9", servedModel: small }
modes:
  standard: { backends: [small], default: true }
`;
}

/**
 * The whole application over real HTTP without a Next.js build: the Switchyard built by the production factory
 * (simulator processes, SQLite in a temp folder), provided as in production, and the real route files served by
 * a router that matches them as Next does. One per test file at a time: the handle is process-wide.
 */
export async function startAppHarness(options: AppHarnessOptions = {}): Promise<AppHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-app-"));
  const ports = options.ports ?? {
    "qwen-7b": await pickFreePort("127.0.0.1"),
    "qwen-14b": await pickFreePort("127.0.0.1"),
    "qwen-32b": await pickFreePort("127.0.0.1"),
    embed: await pickFreePort("127.0.0.1"),
  };
  const configFile = path.join(dir, "switchyard.yaml");
  fs.writeFileSync(configFile, (options.yaml ?? simulatedLabYaml)(ports));
  const configStore = createConfigStore({ path: configFile });
  const switchyard = await createSwitchyard({
    configStore,
    dbFile: options.dbFile ?? path.join(dir, "switchyard.db"),
    runtime: runtimeFor(configStore.current, options.dockerHost),
    adminSecrets: options.adminSecrets,
    drainMs: 5_000,
  });
  provideSwitchyard(Promise.resolve(switchyard));
  const server: FetchServer = await serveFetchHandler(createAppRouter(path.join(projectRoot, "app")));
  return {
    url: server.url,
    switchyard,
    configFile,
    ports,
    async close() {
      await server.close();
      await switchyard.stop();
      withdrawSwitchyard();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
