import type { Switchyard } from "@/lib/app/switchyard";
import type { OperationView } from "@/lib/lab/controller";
import { backendsOfMode } from "@/lib/routing/resolve";
import type { ContainerInfo } from "@/lib/runtime/types";
import type { EnergyTotals, GpuTelemetryStatus } from "@/lib/telemetry/service";
import type { GpuSample } from "@/lib/telemetry/types";
import { apiRoute } from "./route";

export type BackendState = "ready" | "loading" | "draining" | "stopped" | "down" | "unhealthy";

export interface BackendStatus {
  id: string;
  servedModel: string;
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
  /** From the backend's vLLM metrics. */
  engine: { running: number | null; waiting: number | null; kvCacheUsage: number | null; generationTokensPerSecond: number | null; ttftP50Ms: number | null; ttftP95Ms: number | null; at: number } | null;
  containerInfo: (Omit<ContainerInfo, "startedAt" | "finishedAt"> & { startedAt: string | null; finishedAt: string | null }) | null;
  watchdog: { enabled: boolean; nextAttemptAt: number | null } | null;
}

export interface LabStatus {
  mode: string;
  modes: { name: string; description: string | null; backends: string[]; gpus: number[] }[];
  operation: OperationView | null;
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
  requestLog: { queued: number; written: number; dropped: number; failedBatches: number; lastError: string | null };
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
  const backends = await Promise.all(
    Object.entries(config.backends).map(async ([id, backend]): Promise<BackendStatus> => {
      const info = runtime && ping.ok && (backend.container || runtime.kind === "simulated") ? await runtime.inspect(id).catch((error: Error) => errorInfo(id, backend.container ?? id, error)) : null;
      const engine = telemetry.latestBackend(id);
      const { state, reason } = backendState(switchyard, id, operation, info);
      return {
        id,
        servedModel: backend.servedModel,
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
        engine: engine
          ? {
              at: engine.at,
              running: engine.sample.running,
              waiting: engine.sample.waiting,
              kvCacheUsage: engine.sample.kvCacheUsage,
              generationTokensPerSecond: engine.generationTokensPerSecond,
              ttftP50Ms: engine.ttftP50Ms,
              ttftP95Ms: engine.ttftP95Ms,
            }
          : null,
        containerInfo: info ? { ...info, startedAt: info.startedAt?.toISOString() ?? null, finishedAt: info.finishedAt?.toISOString() ?? null } : null,
        watchdog: switchyard.watchdog ? { enabled: switchyard.watchdog.isEnabled(id), nextAttemptAt: switchyard.watchdog.nextAttemptAt(id) } : null,
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
    })),
    operation,
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

/** One word for what a backend is doing, from the running operation, the container and the health checks. */
function backendState(switchyard: Switchyard, id: string, operation: OperationView | null, info: ContainerInfo | null): { state: BackendState; reason: string | null } {
  const { controller, health } = switchyard;
  const inMode = backendsOfMode(switchyard.config(), controller.currentMode()).includes(id);
  const containerRunning = info ? info.state === "running" || info.state === "restarting" : null;
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
