import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BackendAdmission } from "@/lib/admission/backend-admission";
import { createAdmissionFromConfig } from "@/lib/admission/from-config";
import { InFlightTracker } from "@/lib/admission/in-flight";
import { createKeyLimiter } from "@/lib/admission/key-limits";
import { parseLabConfig } from "@/lib/config/parse";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { createRequestLogWriter, type RequestLogWriter } from "@/lib/db/request-log-writer";
import { createGateway, type Gateway, type GatewayDeps } from "@/lib/gateway/gateway";
import { UpstreamPools } from "@/lib/gateway/upstream";
import { BackendHealth } from "@/lib/lab/backend-health";
import type { SimulatorOptionsInput } from "@/lib/sim/options";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import { serveFetchHandler, type FetchServer } from "./fetch-server";
import { endpointOf } from "@/lib/app/endpoints";

export interface HarnessBackend {
  servedModel: string;
  kind?: "chat" | "embedding";
  /** Simulator options; `dead: true` instead points the backend at a port where nothing listens. */
  sim?: SimulatorOptionsInput;
  dead?: boolean;
  maxConcurrency?: number;
  maxQueue?: number;
}

export interface HarnessOptions {
  backends: Record<string, HarnessBackend>;
  modes: Record<string, string[]>;
  routes?: Record<string, string[] | { auto: { fast: string; deep: string; longPromptTokens?: number; spillQueueDepth?: number } }>;
  auth?: "open" | "keys";
  /** Overrides of the config's `gateway` section (timeouts, limits). */
  gateway?: Record<string, unknown>;
  /** Overrides of the config's `requestLog` section (prompt capture). */
  requestLog?: Record<string, unknown>;
  /** Folder for the database (default: a new temp folder). */
  dbDir?: string;
  /** Replaces the gateway's authentication step (e.g. a fixed principal). */
  authenticate?: GatewayDeps["authenticate"];
}

export interface GatewayHarness {
  url: string;
  sims: Record<string, SimulatorProcess>;
  prisma: PrismaClient;
  requestLog: RequestLogWriter;
  gateway: Gateway;
  inFlight: InFlightTracker;
  setMode(mode: string): void;
  health: BackendHealth;
  admission: BackendAdmission;
  dbFile: string;
  /** Waits for the log writer to commit everything recorded so far. */
  flushLog(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real gateway over real HTTP in front of real simulator processes, with the request log on a real SQLite
 * file in a temp folder. Everything Next.js would add is reduced to `serveFetchHandler`.
 */
export async function startGatewayHarness(options: HarnessOptions): Promise<GatewayHarness> {
  const sims: Record<string, SimulatorProcess> = {};
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const urls: Record<string, string> = {};
    for (const [id, backend] of Object.entries(options.backends)) {
      if (backend.dead) {
        urls[id] = `http://127.0.0.1:${await unusedPort()}`;
        continue;
      }
      const sim = await spawnSimulator({ servedModel: backend.servedModel, kind: backend.kind ?? "chat", ...backend.sim }, { waitReady: true });
      sims[id] = sim;
      cleanups.push(() => sim.stop());
      urls[id] = sim.url;
    }

    const config = parseLabConfig(
      JSON.stringify({
        runtime: "none",
        auth: options.auth ?? "open",
        backends: Object.fromEntries(
          Object.entries(options.backends).map(([id, b]) => [
            id,
            { url: urls[id], servedModel: b.servedModel, kind: b.kind ?? "chat", maxConcurrency: b.maxConcurrency ?? 32, maxQueue: b.maxQueue ?? 64 },
          ]),
        ),
        modes: Object.fromEntries(Object.entries(options.modes).map(([name, backends], i) => [name, { backends, default: i === 0 }])),
        routes: options.routes ?? {},
        ...(options.gateway ? { gateway: options.gateway } : {}),
        ...(options.requestLog ? { requestLog: options.requestLog } : {}),
      }),
      "harness",
    );

    const dir = options.dbDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-gw-"));
    if (!options.dbDir) cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const dbFile = path.join(dir, "switchyard.db");
    applyMigrations(dbFile);
    const prisma = createPrismaClient(dbFile);
    cleanups.unshift(() => prisma.$disconnect());
    const requestLog = createRequestLogWriter({ dbFile, flushIntervalMs: 20 });
    cleanups.unshift(() => requestLog.stop());

    let mode = Object.keys(options.modes)[0] ?? "";
    const health = new BackendHealth({ config: () => config, backendsToWatch: () => config.modes[mode]?.backends ?? [] });
    const inFlight = new InFlightTracker();
    const pools = new UpstreamPools();
    cleanups.unshift(() => pools.close());
    const admission = createAdmissionFromConfig(() => config);
    const gateway = createGateway({
      config: () => config,
      admission,
      keyLimits: createKeyLimiter(),
      lab: {
        currentMode: () => mode,
        isHealthy: (id) => health.isHealthy(id),
        markUnreachable: (id, why) => health.markUnreachable(id, why),
        recordTraffic: (id, ok, why) => health.recordTraffic(id, ok, why, config.gateway.passiveFailureThreshold),
        healthReason: (id) => health.status(id).reason,
        isAdmitting: () => true,
        pendingTargetMode: () => null,
        waitForOperation: async () => true,
      },
      pools,
      inFlight,
      sink: requestLog,
      authenticate: options.authenticate,
    });

    const server: FetchServer = await serveFetchHandler((request) => {
      const { pathname } = new URL(request.url);
      return gateway.handle(request, endpointOf(pathname), { modelId: decodeURIComponent(pathname.slice("/v1/models/".length)) });
    });
    cleanups.unshift(() => server.close());

    return {
      url: server.url,
      sims,
      prisma,
      requestLog,
      gateway,
      inFlight,
      health,
      admission,
      setMode: (next) => {
        mode = next;
      },
      dbFile,
      flushLog: () => requestLog.flush(),
      close: () => runAll(cleanups),
    };
  } catch (error) {
    await runAll(cleanups);
    throw error;
  }
}

async function runAll(cleanups: (() => Promise<unknown>)[]): Promise<void> {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
}

async function unusedPort(): Promise<number> {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
