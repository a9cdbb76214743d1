import { createAlertService, type AlertService } from "@/lib/alerts/service";
import { createAdmissionFromConfig } from "@/lib/admission/from-config";
import type { BackendAdmission } from "@/lib/admission/backend-admission";
import { InFlightTracker } from "@/lib/admission/in-flight";
import { createKeyLimiter } from "@/lib/admission/key-limits";
import { createAdminAuth, type AdminAuth, type AdminAuthOptions } from "@/lib/auth/admin";
import { createApiKeyAuthenticator, type ApiKeyAuthenticator } from "@/lib/auth/api-keys";
import { requestAuthenticator } from "@/lib/auth/principal";
import { clientAddressOf } from "@/lib/auth/request-facts";
import { formatIssue } from "@/lib/config/parse";
import { defaultModeName, type LabConfig } from "@/lib/config/schema";
import type { ConfigStore } from "@/lib/config/store";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { prismaAdminSessionStore } from "@/lib/db/queries/admin-sessions";
import { findApiKeyByHash, touchApiKey } from "@/lib/db/queries/api-keys";
import { getLabStateValue } from "@/lib/db/queries/lab-state";
import { getLastModeSwitchEndedAt, markInterruptedModeSwitches } from "@/lib/db/queries/mode-switches";
import { insertBackendSamples, insertGpuSamples } from "@/lib/db/queries/samples";
import { createRequestLogReader, type RequestLogReader } from "@/lib/db/request-log/reader";
import { createRequestLogWriter, disabledRequestLog, markInterruptedRequests, type RequestLogWriter } from "@/lib/db/request-log-writer";
import { EventBus } from "@/lib/events/bus";
import { createGateway, type Gateway } from "@/lib/gateway/gateway";
import type { RequestRecord } from "@/lib/request-log/record";
import type { LabView } from "@/lib/gateway/route-plan";
import { UpstreamPools } from "@/lib/gateway/upstream";
import { BackendHealth } from "@/lib/lab/backend-health";
import { systemClock, type Clock } from "@/lib/lab/clock";
import { LabController, type LabControllerDeps } from "@/lib/lab/controller";
import { createDbOperationRecorder } from "@/lib/lab/db-recorder";
import { createEngineSleepClient } from "@/lib/lab/engine-sleep";
import { createLabEventLog, type LabEventLog } from "@/lib/lab/event-log";
import { createDbTimingStore, LabEstimates } from "@/lib/lab/estimates";
import { createGenerationProbe, createReadinessProbe } from "@/lib/lab/probes";
import { reconcileContainers, type ReconcileResult, type ReconcileSleep } from "@/lib/lab/reconcile";
import { StartupLoads } from "@/lib/lab/startup-loads";
import { OnDemandSwitching } from "@/lib/lab/on-demand";
import { LabReadiness } from "@/lib/lab/readiness";
import { Watchdog } from "@/lib/lab/watchdog";
import { createGatewayMetrics, type GatewayMetrics } from "@/lib/observability/gateway-metrics";
import { labMetricsSources } from "@/lib/observability/lab-metrics-sources";
import { backendsOfMode } from "@/lib/routing/resolve";
import { SimulatedRuntime } from "@/lib/runtime/simulated";
import type { ContainerRuntime } from "@/lib/runtime/types";
import type { SimulatedGpuLoad } from "@/lib/sim/gpus";
import { createTelemetryService, type TelemetryCollectorFactories, type TelemetryService } from "@/lib/telemetry/service";
import { containerExitRule, healthChangeRule, operationOutcomeRule } from "./lab-event-rules";
import { startRetention } from "./retention";
import { runShutdown } from "./shutdown";

/** What a Switchyard is built from. Everything that touches the outside world is handed in. */
export interface SwitchyardOptions {
  configStore: ConfigStore;
  /** The SQLite file: migrated, then opened by this Switchyard (and closed by its stop()). */
  dbFile: string;
  /** Starts and stops the backends; null = Switchyard manages no containers (`runtime: none`). */
  runtime: ContainerRuntime | null;
  clock?: Clock;
  /** Where GPU and vLLM telemetry come from (the config picks the source; tests may replace its collectors). */
  telemetryCollectors?: Partial<TelemetryCollectorFactories>;
  /** The console password and the admin token; none = an open console. `passwordParams` is the scrypt cost (tests lower it). */
  adminSecrets?: Pick<AdminAuthOptions, "password" | "token" | "passwordParams">;
  /** false: requests are not logged (the benchmark measures the log's cost). */
  requestLog?: boolean;
  /** How long stop() lets running requests finish. */
  drainMs?: number;
}

/**
 * The whole process state: one per process in production, one per test file in the integration tests. It owns
 * what it was given (the config store, the runtime) and releases it in stop().
 */
export interface Switchyard {
  configStore: ConfigStore;
  config(): LabConfig;
  db: PrismaClient;
  dbFile: string;
  bus: EventBus;
  controller: LabController;
  /** Measured operation durations and the expected times they give (lib/lab/estimates.ts). */
  estimates: LabEstimates;
  gateway: Gateway;
  health: BackendHealth;
  inFlight: InFlightTracker;
  admission: BackendAdmission;
  requestLog: RequestLogWriter;
  /** Every console read of the request log, its exports and its retention: on a worker thread. */
  requestLogReader: RequestLogReader;
  metrics: GatewayMetrics;
  telemetry: TelemetryService;
  runtime: ContainerRuntime | null;
  watchdog: Watchdog | null;
  /** Which down backends will come back by themselves, and the strict readiness of `/readyz?strict=1`. */
  readiness: LabReadiness;
  onDemand: OnDemandSwitching;
  labEvents: LabEventLog;
  alerts: AlertService;
  adminAuth: AdminAuth;
  apiKeys: ApiKeyAuthenticator;
  startedAt: Date;
  /** True once stop() began. */
  isDraining(): boolean;
  /** Drains, flushes the request log and releases everything; idempotent. */
  stop(): Promise<void>;
}

const WATCHDOG_INTERVAL_MS = 5_000;
const DEFAULT_DRAIN_MS = 30_000;

export async function createSwitchyard(options: SwitchyardOptions): Promise<Switchyard> {
  const { configStore, runtime } = options;
  const clock = options.clock ?? systemClock;
  const config = () => configStore.current();
  const bus = new EventBus();
  configStore.onReloadError((error) => {
    console.error(`[config] change to ${error.source} rejected, keeping the last good config:\n${error.issues.map(formatIssue).join("\n")}`);
    bus.publish("status", { reason: "config rejected" });
  });

  const applied = applyMigrations(options.dbFile);
  if (applied.length > 0) console.log(`[switchyard] database ${options.dbFile}: applied ${applied.join(", ")}`);
  const db = createPrismaClient(options.dbFile);
  const adminAuth = await createAdminAuth({
    ...options.adminSecrets,
    sessions: prismaAdminSessionStore(db),
    clientAddress: (request) => clientAddressOf(request, config().server.trustProxy),
  });
  const apiKeys = createApiKeyAuthenticator({ findByHash: (hash) => findApiKeyByHash(hash, db), touch: (id, at) => touchApiKey(id, at, db) });
  const labEvents = createLabEventLog(db, bus);
  const alerts = createAlertService({ alerts: () => config().alerts, bus, db });
  await alerts.restore();
  await recordInterruptedWork(db, options.dbFile, labEvents);
  const requestLogReader = createRequestLogReader({ dbFile: options.dbFile });

  const requestLog =
    options.requestLog === false
      ? disabledRequestLog()
      : createRequestLogWriter({ dbFile: options.dbFile, flushIntervalMs: config().requestLog.flushIntervalMs, maxQueue: config().requestLog.maxQueue });

  const storedMode = await getLabStateValue("mode", db);
  const initialMode = storedMode && config().modes[storedMode] ? storedMode : defaultModeName(config());
  // Each request's stay on a backend's GPUs feeds the telemetry's energy ledger (created just below).
  const inFlight = new InFlightTracker({
    started: (backendId, requestId) => telemetry.requestStarted(requestId, config().backends[backendId]?.gpus ?? []),
    ended: (_backendId, requestId) => telemetry.requestEnded(requestId),
  });
  // The two need each other: the controller reads GPU memory during operations, telemetry scrapes the current
  // mode's backends. Telemetry comes first and finds the controller through this reference once started.
  const labRef: { current?: LabController } = {};
  const telemetry = createTelemetryService({
    config,
    bus,
    intervalMs: config().telemetry.intervalMs,
    nvidiaSmiCommand: config().telemetry.nvidiaSmiPath,
    dcgmUrl: config().telemetry.dcgmUrl,
    collectors: options.telemetryCollectors,
    simulatedLoads: () => simulatedLoads(config(), runtime, inFlight),
    backendsToScrape: () => (labRef.current ? backendUrls(config(), backendsOfMode(config(), labRef.current.currentMode())) : []),
    persist: {
      gpu: async (rows) => void (await insertGpuSamples(rows, db)),
      backend: async (rows) => void (await insertBackendSamples(rows.map((row) => ({ ...row, inFlight: inFlight.inFlight(row.backendId) })), db)),
    },
  });
  const engineSleep = createEngineSleepClient(config);
  const controller = new LabController({
    config,
    runtime,
    inFlight,
    gpuMemoryUsedMiB: (gpu) => telemetry.gpuMemoryUsedMiB(gpu),
    gpuMemoryTotalMiB: (gpu) => telemetry.gpuMemoryTotalMiB(gpu),
    probeReady: createReadinessProbe(config),
    probeGeneration: createGenerationProbe(config),
    clock,
    timings: operationTimings(config().lab, config().telemetry.intervalMs),
    recorder: createDbOperationRecorder(db),
    bus,
    initialMode,
    engineSleep,
  });
  labRef.current = controller;
  const estimates = await LabEstimates.start({ config, bus, runningOperation: () => controller.runningOperation(), clock, store: createDbTimingStore(db) });
  telemetry.start();

  const health = new BackendHealth({
    config,
    probeGeneration: (id) => createGenerationProbe(config, config().gateway.firstTokenTimeoutSeconds * 1000)(id),
    backendsToWatch: () => backendsOfMode(config(), controller.currentMode()).filter((id) => controller.isAdmitting(id)),
    onChange: healthChangeRule(bus, labEvents),
  });
  const stopOperationRule = operationOutcomeRule({ bus, labEvents, config, lab: controller, health });
  const reconciled = runtime ? await reconcileAtStart(config(), initialMode, runtime, labEvents, { engines: engineSleep, adopt: (id, level) => controller.adoptSleepingEngine(id, level) }, clock) : null;
  const startupLoads = followStartupLoads(config, clock, controller, estimates, reconciled?.startedAt ?? {});
  health.start();
  alerts.followHealth((id) => health.status(id).state === "ready");

  const watchdog = runtime
    ? new Watchdog({
        config,
        currentMode: () => controller.currentMode(),
        isBusy: () => controller.runningOperation() !== null,
        restart: (id, reason) => void controller.restartBackend(id, "watchdog", reason),
        runtime,
        health: (id) => health.status(id),
        recordEvent: labEvents,
        clock,
        failureThreshold: config().lab.watchdogFailureThreshold,
        loadTimeoutMs: config().lab.loadTimeoutSeconds * 1000,
        maxRestarts: config().lab.watchdogMaxRestarts,
      })
    : null;
  const checkWatchdog = () => void watchdog?.check().catch((error: unknown) => console.error("[watchdog] check failed", error));
  const watchdogTimer = setInterval(checkWatchdog, WATCHDOG_INTERVAL_MS);
  watchdogTimer.unref();
  const stopExitRule = runtime
    ? containerExitRule({ runtime, config, lab: controller, health, labEvents, checkSoon: () => setTimeout(checkWatchdog, 250).unref() })
    : () => undefined;

  const pools = new UpstreamPools();
  const admission = createAdmissionFromConfig(config);
  configStore.onChange(() => admission.limitsChanged());
  const readiness = new LabReadiness({ config, runtime, health, watchdog, lab: controller, bus, clock });
  const lastSwitchEndedAt = (await getLastModeSwitchEndedAt(db))?.getTime() ?? null;
  const onDemand = new OnDemandSwitching({ config, lab: controller, load: (id) => loadOf(admission, id), recordEvent: labEvents, bus, clock, lastSwitchEndedAt });
  onDemand.start();
  const metrics = createGatewayMetrics({
    admission: () => Object.fromEntries(Object.keys(config().backends).map((id) => [id, admission.snapshotOf(id)])),
    inFlight: () => Object.fromEntries(Object.keys(config().backends).map((id) => [id, inFlight.inFlight(id)])),
    requestLog: () => requestLog.stats(),
    lab: labMetricsSources({ config, controller, health, telemetry }),
  });
  let draining = false;
  const gateway = createGateway({
    config,
    admission,
    keyLimits: createKeyLimiter(),
    authenticate: requestAuthenticator(apiKeys),
    lab: { ...gatewayLabView(config, controller, health), ...readinessView(readiness, onDemand) },
    pools,
    inFlight,
    sink: { nextId: () => requestLog.nextId(), record: (entry) => recordWithEnergy(entry, requestLog, telemetry) },
    backendState: (id) => telemetry.stateFor(id, config().backends[id]?.gpus ?? []),
    onFinished: (record) => {
      metrics.observe(record);
      onDemand.observe(record);
      bus.publish("request", { id: record.id, receivedAt: record.receivedAt.toISOString(), outcome: record.outcome, status: record.status, backend: record.backend, requestedModel: record.requestedModel });
    },
    isDraining: () => draining,
    estimates: { operationRemaining: () => estimates.runningOperation()?.remaining ?? null },
  });

  const retention = startRetention(config, db, requestLogReader);

  let stopping: Promise<void> | undefined;
  return {
    configStore,
    config,
    db,
    dbFile: options.dbFile,
    bus,
    controller,
    estimates,
    gateway,
    health,
    inFlight,
    admission,
    requestLog,
    requestLogReader,
    metrics,
    telemetry,
    runtime,
    watchdog,
    readiness,
    onDemand,
    labEvents,
    alerts,
    adminAuth,
    apiKeys,
    startedAt: new Date(clock.now()),
    isDraining: () => draining,
    stop() {
      stopping ??= runShutdown({
        beginDraining: () => void (draining = true),
        inFlight: () => inFlight.total(),
        drainMs: options.drainMs ?? DEFAULT_DRAIN_MS,
        producers: [() => retention.stop(), () => clearInterval(watchdogTimer), () => onDemand.stop(), () => startupLoads.stop(), stopExitRule, stopOperationRule, () => estimates.stop(), () => health.stop(), () => configStore.close(), () => telemetry.stop()],
        flushers: [() => requestLog.stop(), () => estimates.flush(), () => alerts.stop()],
        // Simulator processes belong to this process; real containers keep running without us.
        closers: [
          () => pools.close(),
          async () => (runtime instanceof SimulatedRuntime ? runtime.close() : undefined),
          () => requestLogReader.close(),
          () => db.$disconnect(),
        ],
      });
      return stopping;
    },
  };
}

/** Operations and requests that were open when Switchyard last stopped are closed as interrupted, and said so. */
async function recordInterruptedWork(db: PrismaClient, dbFile: string, labEvents: LabEventLog): Promise<void> {
  const interrupted = markInterruptedRequests(dbFile);
  if (interrupted > 0) console.log(`[switchyard] ${interrupted} request(s) were still open when Switchyard last stopped: marked interrupted`);
  for (const op of await markInterruptedModeSwitches(db)) {
    labEvents({
      kind: op.kind === "restart" ? "restart" : "mode_switch",
      severity: "warning",
      backendId: op.backendId,
      message: `${op.kind} ${op.id} was interrupted by a restart of Switchyard; the lab stays in its last declared mode`,
    });
  }
}

/** Brings the containers in line with the mode the lab is in; an unreachable engine is reported, not fatal. */
async function reconcileAtStart(config: LabConfig, mode: string, runtime: ContainerRuntime, labEvents: LabEventLog, sleep: ReconcileSleep, clock: Clock): Promise<ReconcileResult | null> {
  const ping = await runtime.ping();
  if (!ping.ok) {
    labEvents({ kind: "runtime", severity: "error", message: `container runtime unreachable: ${ping.error}; the gateway keeps serving what is running` });
    return null;
  }
  const result = await reconcileContainers(config, mode, runtime, sleep, () => clock.now());
  if (result.started.length + result.stopped.length + result.leftAsleep.length + result.woken.length === 0 && result.problems.length === 0) return result;
  const slept = [result.leftAsleep.length > 0 ? `, left asleep ${result.leftAsleep.join(", ")}` : "", result.woken.length > 0 ? `, woke ${result.woken.join(", ")}` : ""].join("");
  labEvents({
    kind: "reconcile",
    severity: result.problems.length > 0 ? "warning" : "info",
    message: `start-up in mode ${mode}: started ${result.started.join(", ") || "nothing"}, stopped ${result.stopped.join(", ") || "nothing"}${slept}${result.problems.length > 0 ? `; problems: ${result.problems.join("; ")}` : ""}`,
  });
  return result;
}

/** The start-up loads' timings (lib/lab/startup-loads.ts), followed in the background: start-up does not wait for them. */
function followStartupLoads(config: () => LabConfig, clock: Clock, controller: LabController, estimates: LabEstimates, startedAt: Record<string, number>): StartupLoads {
  const loads = new StartupLoads({
    probeReady: createReadinessProbe(config),
    probeGeneration: createGenerationProbe(config),
    clock,
    loadTimeoutMs: config().lab.loadTimeoutSeconds * 1000,
    pollMs: 250,
    operationRunning: () => controller.runningOperation() !== null,
    record: (samples) => estimates.record(samples),
  });
  void loads.follow(startedAt);
  return loads;
}

function operationTimings(lab: LabConfig["lab"], telemetryIntervalMs: number): LabControllerDeps["timings"] {
  return {
    drainMs: lab.drainSeconds * 1000,
    stopTimeoutSeconds: lab.stopTimeoutSeconds,
    memoryReleaseMs: lab.memoryReleaseSeconds * 1000,
    memoryReleasedBelowMiB: lab.memoryReleasedBelowMiB,
    // Three GPU readings after a sleep before its residue counts as too much (lib/lab/sleep-actions.ts).
    sleepReleaseMs: Math.min(lab.memoryReleaseSeconds * 1000, Math.max(5_000, 3 * telemetryIntervalMs)),
    loadTimeoutMs: lab.loadTimeoutSeconds * 1000,
    pollMs: 250,
  };
}

/** What the gateway sees of the lab: the mode, who admits requests, health, and the running operation. */
function gatewayLabView(config: () => LabConfig, controller: LabController, health: BackendHealth): LabView {
  return {
    currentMode: () => controller.currentMode(),
    isHealthy: (id) => health.isHealthy(id),
    markUnreachable: (id, why) => health.markUnreachable(id, why),
    recordTraffic: (id, ok, why) => health.recordTraffic(id, ok, why, config().gateway.passiveFailureThreshold),
    healthReason: (id) => health.status(id).reason,
    isAdmitting: (id) => controller.isAdmitting(id),
    pendingTargetMode: () => (controller.runningOperation() ? controller.targetMode() : null),
    waitForOperation: (timeoutMs) => controller.waitForOperation(timeoutMs),
  };
}

/** The lab's side of waiting instead of a 503 (lib/gateway/lab-wait.ts): readiness of down backends, on-demand switching. */
function readinessView(readiness: LabReadiness, onDemand: OnDemandSwitching): Pick<LabView, "outlook" | "nextChange" | "trySwitch"> {
  return {
    outlook: (id, withinMs) => readiness.outlook(id, withinMs),
    nextChange: (timeoutMs) => readiness.nextChange(timeoutMs),
    trySwitch: (request) => onDemand.trySwitch(request),
  };
}

/** Requests on a backend, in flight or queued: all of them, and the interactive lane's. */
function loadOf(admission: BackendAdmission, backendId: string): { total: number; interactive: number } {
  const { inFlight, batchInFlight, queued } = admission.snapshotOf(backendId);
  return { total: inFlight + queued.interactive + queued.batch, interactive: inFlight - batchInFlight + queued.interactive };
}

function backendUrls(config: LabConfig, ids: string[]): { id: string; url: string }[] {
  return ids.flatMap((id) => (config.backends[id] ? [{ id, url: config.backends[id].url }] : []));
}

/** What the simulated GPUs show: every simulated backend process, its load state and how busy it is. */
function simulatedLoads(config: LabConfig, runtime: ContainerRuntime | null, inFlight: InFlightTracker): SimulatedGpuLoad[] {
  if (!(runtime instanceof SimulatedRuntime)) return [];
  return Object.entries(config.backends).map(([id, backend]) => ({
    id,
    gpus: backend.gpus,
    state: runtime.isLoaded(id) ? "ready" : runtime.isRunning(id) ? "loading" : "stopped",
    memoryMiB: runtime.gpuMemoryMiB(id) ?? backend.sim?.memoryMiB,
    activity: Math.min(1, inFlight.inFlight(id) / (backend.sim?.maxNumSeqs ?? backend.maxConcurrency)),
  }));
}

/**
 * A request's final row waits for its share of the GPUs' energy: concurrent requests split what the GPUs drew
 * (lib/telemetry/energy-ledger.ts), which is known at the first power reading after the request ended (one
 * telemetry interval). Holding the row that long keeps it one write, complete when written; until then the
 * "open" row stands for it. Without power readings the row goes at once, its energy unknown.
 */
function recordWithEnergy(entry: RequestRecord, requestLog: RequestLogWriter, telemetry: TelemetryService): void {
  if (entry.outcome === "open") return requestLog.record(entry);
  telemetry.whenEnergySettled(String(entry.id), (energyWh) => requestLog.record({ ...entry, energyWh }));
}
