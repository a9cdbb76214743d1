import type { LabConfig } from "@/lib/config/schema";
import type { BackendHealth } from "@/lib/lab/backend-health";
import type { LabController } from "@/lib/lab/controller";
import type { TelemetryService } from "@/lib/telemetry/service";
import type { LabMetricsSources } from "./lab-metrics";

export interface LabMetricsParts {
  config: () => LabConfig;
  controller: Pick<LabController, "currentMode" | "runningOperation" | "isAdmitting" | "sleepingEngine">;
  health: Pick<BackendHealth, "status">;
  telemetry: Pick<TelemetryService, "latestGpus" | "gpuStatus" | "energyTotals" | "latestBackend">;
  now?: () => number;
}

/** The lab's gauges read from the Switchyard's parts: memory only, nothing that waits. */
export function labMetricsSources({ config, controller, health, telemetry, now }: LabMetricsParts): LabMetricsSources {
  return {
    modes: () => Object.keys(config().modes),
    currentMode: () => controller.currentMode(),
    operation: () => controller.runningOperation()?.kind ?? null,
    backends: () => {
      const current = config();
      const inMode = new Set(current.modes[controller.currentMode()]?.backends ?? []);
      return Object.keys(current.backends).map((id) => {
        const engine = telemetry.latestBackend(id);
        return {
          id,
          inMode: inMode.has(id),
          admitting: controller.isAdmitting(id),
          health: health.status(id).state,
          asleepLevel: controller.sleepingEngine(id)?.level ?? null,
          engine: engine && { at: engine.at, running: engine.sample.running, waiting: engine.sample.waiting, kvCacheUsage: engine.sample.kvCacheUsage },
        };
      });
    },
    gpuTelemetry: () => {
      const status = telemetry.gpuStatus();
      return { source: status.source, running: status.state === "running" };
    },
    gpus: () => telemetry.latestGpus(),
    energy: () => telemetry.energyTotals(),
    // As the telemetry service judges its own readings (three intervals, at least 5 s).
    staleAfterMs: Math.max(5_000, config().telemetry.intervalMs * 3),
    now,
  };
}
