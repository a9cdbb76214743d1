import { getSwitchyard } from "@/lib/app/switchyard";
import type { HealthState } from "@/lib/lab/backend-health";
import { adminRoute } from "./envelope";

export interface BackendStatus {
  id: string;
  servedModel: string;
  url: string;
  gpus: number[];
  container: string | null;
  inCurrentMode: boolean;
  health: HealthState;
  healthReason: string | null;
  inFlight: number;
}

export interface LabStatus {
  mode: string;
  modes: { name: string; description: string | null; backends: string[] }[];
  runtime: string;
  auth: string;
  configPath: string;
  configError: string | null;
  backends: BackendStatus[];
  requestLog: { queued: number; written: number; dropped: number; failedBatches: number; lastError: string | null };
  startedAt: string;
}

/** GET /api/status: the lab at a glance. */
export const getStatus = adminRoute(async (): Promise<LabStatus> => {
  const switchyard = await getSwitchyard();
  const config = switchyard.config();
  const mode = switchyard.currentMode();
  const inMode = new Set(config.modes[mode]?.backends ?? []);
  const log = switchyard.requestLog.stats();
  return {
    mode,
    modes: Object.entries(config.modes).map(([name, m]) => ({ name, description: m.description ?? null, backends: m.backends })),
    runtime: config.runtime,
    auth: config.auth,
    configPath: switchyard.configStore.path,
    configError: switchyard.configStore.lastError()?.message ?? null,
    backends: Object.entries(config.backends).map(([id, backend]) => {
      const health = switchyard.health.status(id);
      return {
        id,
        servedModel: backend.servedModel,
        url: backend.url,
        gpus: backend.gpus,
        container: backend.container ?? null,
        inCurrentMode: inMode.has(id),
        health: inMode.has(id) ? health.state : "unknown",
        healthReason: health.reason,
        inFlight: switchyard.inFlight.inFlight(id),
      };
    }),
    requestLog: { ...log, lastError: log.lastError ?? null },
    startedAt: switchyard.startedAt.toISOString(),
  };
});
