import path from "node:path";
import { InFlightTracker } from "@/lib/admission/in-flight";
import { formatIssue } from "@/lib/config/parse";
import { defaultModeName, type LabConfig } from "@/lib/config/schema";
import { createConfigStore, type ConfigStore } from "@/lib/config/store";
import { getPrisma, disconnectPrisma } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { getLabStateValue } from "@/lib/db/queries/lab-state";
import { applyRequestLogRetention, markInterruptedRequestLogs } from "@/lib/db/queries/request-logs";
import { createRequestLogWriter, type RequestLogWriter } from "@/lib/db/request-log-writer";
import { getEnv, resolveConfigPath } from "@/lib/env";
import { createGateway, type Gateway } from "@/lib/gateway/gateway";
import { UpstreamPools } from "@/lib/gateway/upstream";
import { BackendHealth } from "@/lib/lab/backend-health";
import { createGatewayMetrics, type GatewayMetrics } from "@/lib/observability/gateway-metrics";
import { backendsOfMode } from "@/lib/routing/resolve";
import { SimulatedRuntime } from "@/lib/runtime/simulated";

/** The process-wide state: started once (instrumentation.ts), shared by every route. */
export interface Switchyard {
  configStore: ConfigStore;
  config(): LabConfig;
  currentMode(): string;
  gateway: Gateway;
  health: BackendHealth;
  inFlight: InFlightTracker;
  requestLog: RequestLogWriter;
  metrics: GatewayMetrics;
  startedAt: Date;
  dbFile: string;
  /** True once shutdown began. */
  isDraining(): boolean;
  shutdown(): Promise<void>;
}

const RETENTION_INTERVAL_MS = 60 * 60 * 1000;
const SHUTDOWN_DRAIN_MS = 30_000;

const holder = globalThis as typeof globalThis & { __switchyard?: Promise<Switchyard> };

/** The running Switchyard, started on first use. */
export function getSwitchyard(): Promise<Switchyard> {
  holder.__switchyard ??= startSwitchyard();
  return holder.__switchyard;
}

async function startSwitchyard(): Promise<Switchyard> {
  const env = getEnv();
  const configStore = createConfigStore({
    path: resolveConfigPath(env),
    onReloadError: (error) => console.error(`[config] change to ${error.source} rejected, keeping the last good config:\n${error.issues.map(formatIssue).join("\n")}`),
  });
  const config = () => configStore.current();
  console.log(`[switchyard] lab config: ${configStore.path}`);

  const dbFile = path.resolve(env.SWITCHYARD_DB);
  const applied = applyMigrations(dbFile);
  if (applied.length > 0) console.log(`[switchyard] database ${dbFile}: applied ${applied.join(", ")}`);
  const prisma = getPrisma(dbFile);
  const interrupted = await markInterruptedRequestLogs(prisma);
  if (interrupted > 0) console.log(`[switchyard] ${interrupted} request(s) were still open when Switchyard last stopped: marked interrupted`);

  const requestLog: RequestLogWriter =
    env.SWITCHYARD_REQUEST_LOG === "off"
      ? disabledRequestLog()
      : createRequestLogWriter({ dbFile, flushIntervalMs: config().requestLog.flushIntervalMs, maxQueue: config().requestLog.maxQueue });

  const storedMode = await getLabStateValue("mode", prisma);
  let mode = storedMode && config().modes[storedMode] ? storedMode : defaultModeName(config());

  const runtime = config().runtime === "simulated" ? new SimulatedRuntime() : null;
  if (runtime) {
    for (const id of backendsOfMode(config(), mode)) {
      const backend = config().backends[id];
      if (backend) await runtime.start(id, backend);
    }
  }

  const health = new BackendHealth({
    config,
    backendsToWatch: () => backendsOfMode(config(), mode),
    onChange: (id, status) => console.log(`[health] ${id}: ${status.state}${status.reason ? ` (${status.reason})` : ""}`),
  });
  health.start();
  configStore.onChange((next) => {
    if (!next.modes[mode]) mode = defaultModeName(next);
  });

  const inFlight = new InFlightTracker();
  const pools = new UpstreamPools();
  const metrics = createGatewayMetrics({
    inFlight: () => Object.fromEntries(Object.keys(config().backends).map((id) => [id, inFlight.inFlight(id)])),
    requestLog: () => requestLog.stats(),
  });
  let draining = false;
  const gateway = createGateway({
    config,
    lab: { currentMode: () => mode, isHealthy: (id) => health.isHealthy(id), markUnreachable: (id, why) => health.markUnreachable(id, why) },
    pools,
    inFlight,
    sink: requestLog,
    onFinished: (record) => metrics.observe(record),
    isDraining: () => draining,
  });

  const retention = setInterval(() => {
    const { retentionDays, retentionRows } = config().requestLog;
    applyRequestLogRetention({ maxAgeDays: retentionDays, maxRows: retentionRows }, prisma).catch((error: unknown) =>
      console.error("[switchyard] request-log retention failed", error),
    );
  }, RETENTION_INTERVAL_MS);
  retention.unref();

  let shuttingDown: Promise<void> | undefined;
  const switchyard: Switchyard = {
    configStore,
    config,
    currentMode: () => mode,
    gateway,
    health,
    inFlight,
    requestLog,
    metrics,
    startedAt: new Date(),
    dbFile,
    isDraining: () => draining,
    shutdown() {
      shuttingDown ??= (async () => {
        draining = true;
        const deadline = Date.now() + SHUTDOWN_DRAIN_MS;
        while (inFlight.total() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        clearInterval(retention);
        health.stop();
        configStore.close();
        await requestLog.stop();
        await pools.close();
        await runtime?.stopAll();
        await disconnectPrisma();
      })();
      return shuttingDown;
    },
  };
  return switchyard;
}

function disabledRequestLog(): RequestLogWriter {
  return {
    record: () => undefined,
    stats: () => ({ queued: 0, written: 0, dropped: 0, failedBatches: 0 }),
    flush: async () => undefined,
    stop: async () => undefined,
  };
}
