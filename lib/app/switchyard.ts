import path from "node:path";
import type { BackendAdmission } from "@/lib/admission/backend-admission";
import { createAdmissionFromConfig } from "@/lib/admission/from-config";
import { InFlightTracker } from "@/lib/admission/in-flight";
import { createKeyLimiter } from "@/lib/admission/key-limits";
import { formatIssue } from "@/lib/config/parse";
import { defaultModeName, type LabConfig } from "@/lib/config/schema";
import { createConfigStore, type ConfigStore } from "@/lib/config/store";
import { disconnectPrisma, getPrisma } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { applyLabEventRetention } from "@/lib/db/queries/lab-events";
import { getLabStateValue } from "@/lib/db/queries/lab-state";
import { markInterruptedModeSwitches } from "@/lib/db/queries/mode-switches";
import { applyRequestLogRetention, markInterruptedRequestLogs } from "@/lib/db/queries/request-logs";
import { applySampleRetention, insertBackendSamples, insertGpuSamples } from "@/lib/db/queries/samples";
import { createRequestLogWriter, type RequestLogWriter } from "@/lib/db/request-log-writer";
import { getEnv, resolveConfigPath } from "@/lib/env";
import { EventBus } from "@/lib/events/bus";
import { startAdminAuth } from "@/lib/auth/admin-access";
import { createGateway, type Gateway } from "@/lib/gateway/gateway";
import type { RequestRecord } from "@/lib/gateway/request-record";
import { UpstreamPools } from "@/lib/gateway/upstream";
import { BackendHealth } from "@/lib/lab/backend-health";
import { systemClock } from "@/lib/lab/clock";
import { LabController } from "@/lib/lab/controller";
import { createDbOperationRecorder } from "@/lib/lab/db-recorder";
import { createLabEventLog, type LabEventLog } from "@/lib/lab/event-log";
import { createGenerationProbe, createReadinessProbe } from "@/lib/lab/probes";
import { reconcileContainers } from "@/lib/lab/reconcile";
import { Watchdog } from "@/lib/lab/watchdog";
import { createGatewayMetrics, type GatewayMetrics } from "@/lib/observability/gateway-metrics";
import { backendsOfMode } from "@/lib/routing/resolve";
import { createDockerRuntime } from "@/lib/runtime/docker";
import { SimulatedRuntime } from "@/lib/runtime/simulated";
import type { ContainerRuntime } from "@/lib/runtime/types";
import type { SimulatedGpuLoad } from "@/lib/sim/gpus";
import { createTelemetryService, type TelemetryService } from "@/lib/telemetry/service";

/** The process-wide state: started once (instrumentation.ts), shared by every route. */
export interface Switchyard {
  configStore: ConfigStore;
  config(): LabConfig;
  bus: EventBus;
  controller: LabController;
  gateway: Gateway;
  health: BackendHealth;
  inFlight: InFlightTracker;
  admission: BackendAdmission;
  requestLog: RequestLogWriter;
  metrics: GatewayMetrics;
  telemetry: TelemetryService;
  runtime: ContainerRuntime | null;
  watchdog: Watchdog | null;
  labEvents: LabEventLog;
  /** How the console is protected: open (no password, no token), by password sign-in, by token. */
  adminAccess: { open: boolean; passwordLogin: boolean };
  startedAt: Date;
  dbFile: string;
  /** True once shutdown began. */
  isDraining(): boolean;
  shutdown(): Promise<void>;
}

const HOUR_MS = 60 * 60 * 1000;
const WATCHDOG_INTERVAL_MS = 5_000;
const SHUTDOWN_DRAIN_MS = 30_000;

const holder = globalThis as typeof globalThis & { __switchyard?: Promise<Switchyard> };

/** The running Switchyard, started on first use. */
export function getSwitchyard(): Promise<Switchyard> {
  holder.__switchyard ??= startSwitchyard();
  return holder.__switchyard;
}

async function startSwitchyard(): Promise<Switchyard> {
  const env = getEnv();
  const bus = new EventBus();
  const configStore = createConfigStore({
    path: resolveConfigPath(env),
    onReloadError: (error) => {
      console.error(`[config] change to ${error.source} rejected, keeping the last good config:\n${error.issues.map(formatIssue).join("\n")}`);
      bus.publish("status", { reason: "config rejected" });
    },
  });
  const config = () => configStore.current();
  console.log(`[switchyard] lab config: ${configStore.path}`);

  const dbFile = path.resolve(env.SWITCHYARD_DB);
  const applied = applyMigrations(dbFile);
  if (applied.length > 0) console.log(`[switchyard] database ${dbFile}: applied ${applied.join(", ")}`);
  const prisma = getPrisma(dbFile);
  const adminAuth = await startAdminAuth({ password: env.SWITCHYARD_ADMIN_PASSWORD, token: env.SWITCHYARD_ADMIN_TOKEN, prisma });
  if (adminAuth.open) console.warn("[switchyard] the console and admin API are OPEN: set SWITCHYARD_ADMIN_PASSWORD and/or SWITCHYARD_ADMIN_TOKEN");
  const labEvents = createLabEventLog(prisma, bus);
  const interrupted = await markInterruptedRequestLogs(prisma);
  if (interrupted > 0) console.log(`[switchyard] ${interrupted} request(s) were still open when Switchyard last stopped: marked interrupted`);
  for (const op of await markInterruptedModeSwitches(prisma)) {
    labEvents({ kind: op.kind === "restart" ? "restart" : "mode_switch", severity: "warning", backendId: op.backendId, message: `${op.kind} ${op.id} was interrupted by a restart of Switchyard; the lab stays in its last declared mode` });
  }

  const requestLog: RequestLogWriter =
    env.SWITCHYARD_REQUEST_LOG === "off"
      ? disabledRequestLog()
      : createRequestLogWriter({ dbFile, flushIntervalMs: config().requestLog.flushIntervalMs, maxQueue: config().requestLog.maxQueue });

  const storedMode = await getLabStateValue("mode", prisma);
  const initialMode = storedMode && config().modes[storedMode] ? storedMode : defaultModeName(config());
  const runtime = createRuntime(config, env.DOCKER_HOST);
  const inFlight = new InFlightTracker();

  // The controller reads telemetry (GPU memory) only while an operation runs, after everything below has started.
  const timings = config().lab;
  const lab = new LabController({
    config,
    runtime,
    inFlight,
    gpuMemoryUsedMiB: (gpu) => telemetry.gpuMemoryUsedMiB(gpu),
    probeReady: createReadinessProbe(config),
    probeGeneration: createGenerationProbe(config),
    clock: systemClock,
    timings: {
      drainMs: timings.drainSeconds * 1000,
      stopTimeoutSeconds: timings.stopTimeoutSeconds,
      memoryReleaseMs: timings.memoryReleaseSeconds * 1000,
      memoryReleasedBelowMiB: timings.memoryReleasedBelowMiB,
      loadTimeoutMs: timings.loadTimeoutSeconds * 1000,
      pollMs: 250,
    },
    recorder: createDbOperationRecorder(prisma),
    bus,
    initialMode,
  });

  const telemetry = createTelemetryService({
    config,
    bus,
    intervalMs: config().telemetry.intervalMs,
    nvidiaSmiCommand: config().telemetry.nvidiaSmiPath,
    dcgmUrl: config().telemetry.dcgmUrl,
    simulatedLoads: () => simulatedLoads(config(), runtime, inFlight),
    backendsToScrape: () => backendsOfMode(config(), lab.currentMode()).flatMap((id) => (config().backends[id] ? [{ id, url: config().backends[id]!.url }] : [])),
    persist: {
      gpu: async (rows) => void (await insertGpuSamples(rows, prisma)),
      backend: async (rows) => void (await insertBackendSamples(rows.map((row) => ({ ...row, inFlight: inFlight.inFlight(row.backendId) })), prisma)),
    },
  });
  telemetry.start();

  // Only real transitions are lab events: ready -> failing and failing -> ready, not a backend still loading.
  const everReady = new Set<string>();
  const health = new BackendHealth({
    config,
    backendsToWatch: () => backendsOfMode(config(), lab.currentMode()).filter((id) => lab.isAdmitting(id)),
    onChange: (id, status) => {
      bus.publish("status", { reason: `health ${id}` });
      const wasReady = everReady.has(id);
      if (status.state === "ready") everReady.add(id);
      if (wasReady && status.state !== "unknown") {
        labEvents({
          kind: "health_change",
          severity: status.state === "ready" ? "info" : "warning",
          backendId: id,
          message: `${id} is ${status.state}${status.reason ? `: ${status.reason}` : ""}`,
        });
      }
    },
  });

  bus.subscribe((event) => {
    if (event.type === "operation_done") {
      labEvents({
        kind: event.data.kind === "restart" ? "restart" : "mode_switch",
        severity: event.data.status === "succeeded" ? "info" : "error",
        backendId: null,
        message: `${event.data.kind.replace("_", " ")} ${event.data.status}${event.data.error ? `: ${event.data.error}` : ""}`,
      });
      for (const id of Object.keys(config().backends)) if (!backendsOfMode(config(), lab.currentMode()).includes(id)) health.reset(id);
    }
  });

  if (runtime) {
    const ping = await runtime.ping();
    if (!ping.ok) {
      labEvents({ kind: "runtime", severity: "error", message: `container runtime unreachable: ${ping.error}; the gateway keeps serving what is running` });
    } else {
      const result = await reconcileContainers(config(), initialMode, runtime);
      if (result.started.length + result.stopped.length > 0 || result.problems.length > 0) {
        labEvents({
          kind: "reconcile",
          severity: result.problems.length > 0 ? "warning" : "info",
          message: `start-up in mode ${initialMode}: started ${result.started.join(", ") || "nothing"}, stopped ${result.stopped.join(", ") || "nothing"}${result.problems.length > 0 ? `; problems: ${result.problems.join("; ")}` : ""}`,
        });
      }
    }
  }
  health.start();

  const watchdog = runtime
    ? new Watchdog({
        config,
        currentMode: () => lab.currentMode(),
        isBusy: () => lab.runningOperation() !== null,
        restart: (id) => void lab.restartBackend(id, "watchdog"),
        runtime,
        health: (id) => health.status(id),
        recordEvent: labEvents,
        clock: systemClock,
        failureThreshold: config().lab.watchdogFailureThreshold,
        loadTimeoutMs: config().lab.loadTimeoutSeconds * 1000,
      })
    : null;
  const watchdogTimer = setInterval(() => void watchdog?.check().catch((error: unknown) => console.error("[watchdog] check failed", error)), WATCHDOG_INTERVAL_MS);
  watchdogTimer.unref();
  const stopRuntimeEvents = runtime?.onEvent((event) => {
    if (event.action !== "die" && event.action !== "oom") return;
    const inMode = backendsOfMode(config(), lab.currentMode()).includes(event.backendId);
    const expected = lab.runningOperation() !== null;
    if (!inMode || expected) return;
    labEvents({
      kind: event.action === "oom" ? "oom" : "container_exit",
      severity: "error",
      backendId: event.backendId,
      message: `${event.backendId} ${event.action === "oom" ? "ran out of GPU memory and exited" : "exited"} with code ${event.exitCode ?? "?"}`,
      detail: { exitCode: event.exitCode },
    });
    health.markUnreachable(event.backendId, `container exited (${event.exitCode ?? "?"})`);
    setTimeout(() => void watchdog?.check().catch(() => undefined), 250).unref();
  });

  const pools = new UpstreamPools();
  const admission = createAdmissionFromConfig(config);
  configStore.onChange(() => admission.limitsChanged());
  const metrics = createGatewayMetrics({
    admission: () => Object.fromEntries(Object.keys(config().backends).map((id) => [id, admission.snapshotOf(id)])),
    inFlight: () => Object.fromEntries(Object.keys(config().backends).map((id) => [id, inFlight.inFlight(id)])),
    requestLog: () => requestLog.stats(),
  });
  let draining = false;
  const gateway = createGateway({
    config,
    admission,
    keyLimits: createKeyLimiter(),
    lab: {
      currentMode: () => lab.currentMode(),
      isHealthy: (id) => health.isHealthy(id),
      markUnreachable: (id, why) => health.markUnreachable(id, why),
      recordTraffic: (id, ok, why) => health.recordTraffic(id, ok, why, config().gateway.passiveFailureThreshold),
      healthReason: (id) => health.status(id).reason,
      isAdmitting: (id) => lab.isAdmitting(id),
      pendingTargetMode: () => (lab.runningOperation() ? lab.targetMode() : null),
      waitForOperation: (timeoutMs) => lab.waitForOperation(timeoutMs),
    },
    pools,
    inFlight,
    sink: {
      record: (entry) => requestLog.record(entry.outcome === "open" ? entry : withEnergy(entry, config(), telemetry)),
    },
    backendState: (id) => telemetry.stateFor(id, config().backends[id]?.gpus ?? []),
    onFinished: (record) => {
      metrics.observe(record);
      bus.publish("request", { id: record.id, receivedAt: record.receivedAt.toISOString(), outcome: record.outcome, status: record.status, backend: record.backend, requestedModel: record.requestedModel });
    },
    isDraining: () => draining,
  });

  const retention = setInterval(() => {
    const { retentionDays, retentionRows } = config().requestLog;
    Promise.all([
      applyRequestLogRetention({ maxAgeDays: retentionDays, maxRows: retentionRows }, prisma),
      applySampleRetention({ maxAgeDays: config().telemetry.retentionDays }, prisma),
      applyLabEventRetention({ maxAgeDays: Math.max(retentionDays, 90) }, prisma),
    ]).catch((error: unknown) => console.error("[switchyard] retention failed", error));
  }, HOUR_MS);
  retention.unref();

  let shuttingDown: Promise<void> | undefined;
  return {
    configStore,
    config,
    bus,
    controller: lab,
    gateway,
    health,
    inFlight,
    admission,
    requestLog,
    metrics,
    telemetry,
    runtime,
    watchdog,
    labEvents,
    adminAccess: { open: adminAuth.open, passwordLogin: adminAuth.passwordLogin },
    startedAt: new Date(),
    dbFile,
    isDraining: () => draining,
    shutdown() {
      shuttingDown ??= (async () => {
        draining = true;
        const deadline = Date.now() + SHUTDOWN_DRAIN_MS;
        while (inFlight.total() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        clearInterval(retention);
        clearInterval(watchdogTimer);
        stopRuntimeEvents?.();
        health.stop();
        configStore.close();
        await telemetry.stop();
        await requestLog.stop();
        await pools.close();
        // Simulator processes belong to this process; real containers keep running without us.
        if (runtime?.kind === "simulated") await runtime.close();
        await disconnectPrisma();
      })();
      return shuttingDown;
    },
  };
}

function createRuntime(config: () => LabConfig, dockerHost: string | undefined): ContainerRuntime | null {
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

/** What the simulated GPUs show: every simulated backend process, its load state and how busy it is. */
function simulatedLoads(config: LabConfig, runtime: ContainerRuntime | null, inFlight: InFlightTracker): SimulatedGpuLoad[] {
  if (!(runtime instanceof SimulatedRuntime)) return [];
  return Object.entries(config.backends).map(([id, backend]) => ({
    id,
    gpus: backend.gpus,
    state: runtime.isLoaded(id) ? "ready" : runtime.isRunning(id) ? "loading" : "stopped",
    memoryMiB: backend.sim?.memoryMiB,
    activity: Math.min(1, inFlight.inFlight(id) / (backend.sim?.maxNumSeqs ?? backend.maxConcurrency)),
  }));
}

function withEnergy(entry: RequestRecord, config: LabConfig, telemetry: TelemetryService): RequestRecord {
  const gpus = entry.backend ? (config.backends[entry.backend]?.gpus ?? []) : [];
  if (gpus.length === 0 || !entry.finishedAt) return entry;
  return { ...entry, energyWh: telemetry.energyWh(gpus, entry.receivedAt.getTime(), entry.finishedAt.getTime()) };
}

function disabledRequestLog(): RequestLogWriter {
  return {
    record: () => undefined,
    stats: () => ({ queued: 0, written: 0, dropped: 0, failedBatches: 0 }),
    flush: async () => undefined,
    stop: async () => undefined,
  };
}
