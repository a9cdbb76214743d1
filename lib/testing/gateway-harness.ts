import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createSwitchyard, type Switchyard } from "@/lib/app/switchyard";
import { createConfigStore } from "@/lib/config/store";
import type { PrismaClient } from "@/lib/db/client";
import { endpointOf } from "@/lib/gateway/endpoints";
import { pickFreePort } from "@/lib/sim/ports";
import type { SimulatorOptionsInput } from "@/lib/sim/options";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import { serveFetchHandler, type FetchServer } from "./fetch-server";

export interface HarnessBackend {
  servedModel: string;
  kind?: "chat" | "embedding";
  /** Simulator options; `dead: true` instead points the backend at a port where nothing listens. */
  sim?: SimulatorOptionsInput;
  dead?: boolean;
  /** An external backend already listening at this URL (a replay backend, say): nothing is spawned for it. */
  url?: string;
  maxConcurrency?: number;
  maxQueue?: number;
}

export interface HarnessOptions {
  backends: Record<string, HarnessBackend>;
  /** The first mode is the default (the one the lab starts in). */
  modes: Record<string, string[]>;
  routes?: Record<string, string[] | { auto: { fast: string; deep: string; longPromptTokens?: number; spillQueueDepth?: number } }>;
  auth?: "open" | "keys";
  /** Overrides of the config's `gateway` section (timeouts, limits). */
  gateway?: Record<string, unknown>;
  /** Overrides of the config's `requestLog` section (prompt capture). */
  requestLog?: Record<string, unknown>;
  /** Folder for the database (default: a new temp folder). */
  dbDir?: string;
}

export interface GatewayHarness {
  url: string;
  sims: Record<string, SimulatorProcess>;
  /** The whole Switchyard, as the production factory built it. */
  switchyard: Switchyard;
  prisma: PrismaClient;
  dbFile: string;
  /** Switches the lab's mode the way the console does (a real mode switch) and waits for it to succeed. */
  setMode(mode: string): Promise<void>;
  /** Waits for the log writer to commit everything recorded so far. */
  flushLog(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real gateway over real HTTP in front of real simulator processes: a Switchyard made by the production
 * factory (runtime: none, so the simulators are external backends) on a SQLite file in a temp folder. Only
 * Next.js's routing is left out: `/v1` requests go to the gateway as the server's fast path sends them.
 */
export async function startGatewayHarness(options: HarnessOptions): Promise<GatewayHarness> {
  const sims: Record<string, SimulatorProcess> = {};
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const urls: Record<string, string> = {};
    for (const [id, backend] of Object.entries(options.backends)) {
      if (backend.dead) {
        urls[id] = `http://127.0.0.1:${await pickFreePort("127.0.0.1")}`;
        continue;
      }
      if (backend.url) {
        urls[id] = backend.url;
        continue;
      }
      const sim = await spawnSimulator({ servedModel: backend.servedModel, kind: backend.kind ?? "chat", ...backend.sim }, { waitReady: true });
      sims[id] = sim;
      cleanups.push(() => sim.stop());
      urls[id] = sim.url;
    }

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-gw-"));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const configFile = path.join(dir, "switchyard.json");
    fs.writeFileSync(configFile, JSON.stringify(harnessConfig(options, urls)));
    const dbFile = path.join(options.dbDir ?? dir, "switchyard.db");
    const switchyard = await createSwitchyard({ configStore: createConfigStore({ path: configFile, watchIntervalMs: 0 }), dbFile, runtime: null, drainMs: 2_000 });
    cleanups.unshift(() => switchyard.stop());

    const server: FetchServer = await serveFetchHandler((request) => {
      const { pathname } = new URL(request.url);
      const endpoint = endpointOf(pathname);
      const modelId = endpoint === "model" ? safeDecode(pathname.slice("/v1/models/".length)) : undefined;
      return switchyard.gateway.handle(request, endpoint, { modelId });
    });
    cleanups.unshift(() => server.close());

    return {
      url: server.url,
      sims,
      switchyard,
      prisma: switchyard.db,
      dbFile,
      async setMode(mode) {
        const result = switchyard.controller.activateMode(mode, "test");
        if (result.status === "already_active") return;
        await switchyard.controller.waitForOperation(60_000);
        if (switchyard.controller.currentMode() !== mode) throw new Error(`the switch to ${mode} did not succeed`);
      },
      flushLog: () => switchyard.requestLog.flush(),
      close: () => runAll(cleanups),
    };
  } catch (error) {
    await runAll(cleanups);
    throw error;
  }
}

function harnessConfig(options: HarnessOptions, urls: Record<string, string>): unknown {
  return {
    runtime: "none",
    gpuTelemetry: "none",
    auth: options.auth ?? "open",
    backends: Object.fromEntries(
      Object.entries(options.backends).map(([id, b]) => [
        id,
        {
          url: urls[id],
          servedModel: b.servedModel,
          kind: b.kind ?? "chat",
          maxConcurrency: b.maxConcurrency ?? 32,
          maxQueue: b.maxQueue ?? 64,
          // The lab's config states each backend's context as vLLM was started with it.
          ...(b.sim?.maxModelLen ? { maxModelLen: b.sim.maxModelLen } : {}),
        },
      ]),
    ),
    modes: Object.fromEntries(Object.entries(options.modes).map(([name, backends], i) => [name, { backends, default: i === 0 }])),
    routes: options.routes ?? {},
    // Mode switches between external backends only drain and probe: keep them quick.
    lab: { drainSeconds: 2, loadTimeoutSeconds: 20 },
    requestLog: { flushIntervalMs: 20, ...options.requestLog },
    ...(options.gateway ? { gateway: options.gateway } : {}),
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function runAll(cleanups: (() => Promise<unknown>)[]): Promise<void> {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
}
