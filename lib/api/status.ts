import type { Switchyard } from "@/lib/app/switchyard";
import { countRestartsByBackend } from "@/lib/db/queries/mode-switches";
import type { OperationView } from "@/lib/lab/controller";
import type { RunningOperationEstimate } from "@/lib/lab/estimates";
import type { Expectation } from "@/lib/lab/estimator";
import { backendsOfMode } from "@/lib/routing/resolve";
import type { ContainerInfo } from "@/lib/runtime/types";
import type { EnergyTotals, GpuTelemetryStatus } from "@/lib/telemetry/service";
import type { GpuSample } from "@/lib/telemetry/types";
import { apiRoute } from "./route";

export type BackendState = "ready" | "loading" | "draining" | "stopped" | "down" | "unhealthy" | "asleep";

export interface EngineReadings {
  running: number | null;
  waiting: number | null;
  kvCacheUsage: number | null;
  generationTokensPerSecond: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  at: number;
}

export interface BackendStatus {
  id: string;
  servedModel: string;
  /** `chat` or `embedding` (an embedding engine generates no tokens: no TTFT or generation to show). */
  kind: "chat" | "embedding";
  url: string;
  gpus: number[];
  container: string | null;
  inCurrentMode: boolean;
  state: BackendState;
  stateReason: string | null;
  inFlight: number;
  /** Waiting in Switchyard's admission queue for this backend. */
  queued: number;
  maxConcurrency: number;
  maxQueue: number;
  /** From the backend's vLLM metrics; null while its engine is not running (stopped, down, or not scraped since it started). */
  engine: EngineReadings | null;
  /** Restarts of this backend Switchyard recorded (console, API, watchdog); starts of a mode switch are not restarts. */
  restarts: number;
  containerInfo: (Omit<ContainerInfo, "startedAt" | "finishedAt"> & { startedAt: string | null; finishedAt: string | null }) | null;
  watchdog: { enabled: boolean; nextAttemptAt: number | null } | null;
  /** The engine asleep on purpose (vLLM sleep mode, verified by GPU memory), with its level and since when; null when not. */
  asleep: { level: 1 | 2; since: string } | null;
  /** The sleep level the backend declares (`sleep.level`): leaving its mode puts it to sleep; null = it is stopped. */
  sleepLevel: 1 | 2 | null;
}

export interface LabStatus {
  mode: string;
  /** Each mode, and for the others what a switch to it from the current mode usually takes (recorded history, else a default). */
  modes: { name: string; description: string | null; backends: string[]; gpus: number[]; switchEstimate: Expectation | null }[];
  operation: OperationView | null;
  /** What the running operation usually takes (whole and per step), from recorded history; null when none runs. */
  operationEstimate: RunningOperationEstimate | null;
  runtime: { kind: string; reachable: boolean; error: string | null };
  auth: string;
  adminAccess: { open: boolean; passwordLogin: boolean };
  configPath: string;
  configError: string | null;
  backends: BackendStatus[];
  gpus: GpuSample[];
  gpuTelemetry: GpuTelemetryStatus;
  /** Energy the GPUs drew since start, split into what requests were charged and idle (rows + idle = measured). */
  energy: EnergyTotals;
  requestLog: { queued: number; written: number; dropped: number; failedBatches: number; busyBatches: number; lastError: string | null };
  startedAt: string;
}

/** GET /api/status: the lab at a glance. */
export const getStatus = apiRoute({}, async ({ switchyard }): Promise<LabStatus> => buildStatus(switchyard));

export async function buildStatus(switchyard: Switchyard): Promise<LabStatus> {
  const config = switchyard.config();
  const { controller, runtime, telemetry } = switchyard;
  const mode = controller.currentMode();
  const operation = controller.runningOperation();
  const ping = runtime ? await runtime.ping() : { ok: true as const };
  const log = switchyard.requestLog.stats();
  const restarts = await countRestartsByBackend(switchyard.db);
  const backends = await Promise.all(
    Object.entries(config.backends).map(async ([id, backend]): Promise<BackendStatus> => {
      const info = runtime && ping.ok && (backend.container || runtime.kind === "simulated") ? await runtime.inspect(id).catch((error: Error) => errorInfo(id, backend.container ?? id, error)) : null;
      const scrape = telemetry.latestBackend(id);
      const { state, reason } = backendState(switchyard, id, operation, info);
      const engine = currentEngineReadings(
        state,
        scrape
          ? {
              at: scrape.at,
              running: scrape.sample.running,
              waiting: scrape.sample.waiting,
              kvCacheUsage: scrape.sample.kvCacheUsage,
              generationTokensPerSecond: scrape.generationTokensPerSecond,
              ttftP50Ms: scrape.ttftP50Ms,
              ttftP95Ms: scrape.ttftP95Ms,
            }
          : null,
        info?.startedAt ?? null,
      );
      const asleep = state === "asleep" ? switchyard.controller.sleepingEngine(id) : null;
      return {
        id,
        servedModel: backend.servedModel,
        kind: backend.kind,
        url: backend.url,
        gpus: backend.gpus,
        container: backend.container ?? null,
        inCurrentMode: backendsOfMode(config, mode).includes(id),
        state,
        stateReason: reason,
        inFlight: switchyard.inFlight.inFlight(id),
        queued: queuedOn(switchyard, id),
        maxConcurrency: backend.maxConcurrency,
        maxQueue: backend.maxQueue,
        engine,
        restarts: restarts.get(id) ?? 0,
        containerInfo: info ? { ...info, startedAt: info.startedAt?.toISOString() ?? null, finishedAt: info.finishedAt?.toISOString() ?? null } : null,
        watchdog: switchyard.watchdog ? { enabled: switchyard.watchdog.isEnabled(id), nextAttemptAt: switchyard.watchdog.nextAttemptAt(id) } : null,
        asleep: asleep ? { level: asleep.level, since: new Date(asleep.since).toISOString() } : null,
        sleepLevel: backend.sleep?.level ?? null,
      };
    }),
  );
  return {
    mode,
    modes: Object.entries(config.modes).map(([name, m]) => ({
      name,
      description: m.description ?? null,
      backends: m.backends,
      gpus: [...new Set(m.backends.flatMap((id) => config.backends[id]?.gpus ?? []))].sort(),
      switchEstimate: name === mode ? null : expectationOnly(switchyard.estimates.estimator.modeSwitch(mode, name)),
    })),
    operation,
    operationEstimate: operation ? switchyard.estimates.runningOperation() : null,
    runtime: { kind: config.runtime, reachable: ping.ok, error: ping.ok ? null : ping.error },
    auth: config.auth,
    adminAccess: { open: switchyard.adminAuth.open, passwordLogin: switchyard.adminAuth.passwordLogin },
    configPath: switchyard.configStore.path,
    configError: switchyard.configStore.lastError()?.message ?? null,
    backends,
    gpus: telemetry.latestGpus(),
    gpuTelemetry: telemetry.gpuStatus(),
    energy: telemetry.energyTotals(),
    requestLog: { ...log, lastError: log.lastError ?? null },
    startedAt: switchyard.startedAt.toISOString(),
  };
}

/**
 * The engine's readings worth showing: none for a backend that is stopped or down (the telemetry keeps the last
 * scrape of an engine that no longer runs: "running 1, 20 tok/s" on a dead backend), nor a scrape older than the
 * container's current start (the previous run's).
 */
export function currentEngineReadings(state: BackendState, readings: EngineReadings | null, containerStartedAt: Date | null): EngineReadings | null {
  if (!readings || state === "stopped" || state === "down" || state === "asleep") return null;
  if (containerStartedAt && readings.at < containerStartedAt.getTime()) return null;
  return readings;
}

/** The whole switch's expectation, without its per-step breakdown (that comes with the running operation). */
function expectationOnly({ expectedMs, basis, samples }: Expectation): Expectation {
  return { expectedMs, basis, samples };
}

/** One word for what a backend is doing, from the running operation, the container and the health checks. */
function backendState(switchyard: Switchyard, id: string, operation: OperationView | null, info: ContainerInfo | null): { state: BackendState; reason: string | null } {
  const { controller, health } = switchyard;
  const inMode = backendsOfMode(switchyard.config(), controller.currentMode()).includes(id);
  const containerRunning = info ? info.state === "running" || info.state === "restarting" : null;
  // Asleep on purpose: the container runs, the engine holds (almost) no GPU memory and serves nothing.
  const sleeping = controller.sleepingEngine(id);
  if (sleeping && containerRunning !== false) return { state: "asleep", reason: `asleep (level ${sleeping.level}): ${sleeping.level === 1 ? "weights in host RAM" : "weights discarded"}, wakes on a switch to its mode` };
  if (!controller.isAdmitting(id) && operation) {
    const step = operation.steps.at(-1)?.name ?? "";
    if (step === "stop_admitting" || step === "drain") return { state: "draining", reason: `${operation.kind.replace("_", " ")} in progress` };
    if (containerRunning) return { state: "loading", reason: `${operation.kind.replace("_", " ")} in progress` };
    return { state: "stopped", reason: `${operation.kind.replace("_", " ")} in progress` };
  }
  if (!inMode) return { state: "stopped", reason: containerRunning ? "running outside the current mode" : null };
  if (info && containerRunning === false) {
    return { state: "down", reason: `container ${info.state}${info.exitCode !== null ? ` (exit code ${info.exitCode}${info.oomKilled ? ", OOM-killed" : ""})` : ""}` };
  }
  const status = health.status(id);
  if (status.state === "ready") return { state: "ready", reason: null };
  if (status.state === "unhealthy") return { state: "unhealthy", reason: status.reason };
  if (status.state === "unknown" || containerRunning) return { state: "loading", reason: status.reason ?? "waiting for /health" };
  return { state: "down", reason: status.reason };
}

function errorInfo(backendId: string, name: string, error: Error): ContainerInfo {
  return { backendId, name, state: "missing", exitCode: null, oomKilled: false, restartCount: 0, startedAt: null, finishedAt: null, error: error.message };
}

function queuedOn(switchyard: Switchyard, backendId: string): number {
  const { queued } = switchyard.admission.snapshotOf(backendId);
  return queued.interactive + queued.batch;
}
