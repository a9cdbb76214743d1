import type { LabConfig } from "@/lib/config/schema";
import { createSimulatedGpus, type SimulatedGpuLoad } from "@/lib/sim/gpus";
import { createDcgmCollector, type DcgmCollectorOptions } from "./dcgm";
import { createNvidiaSmiCollector, type NvidiaSmiCollectorOptions } from "./nvidia-smi-collector";
import type { Collector, CollectorStatus, GpuSample } from "./types";
import { createVllmMetricsCollector, type VllmMetricsCollectorOptions } from "./vllm-metrics";

export type GpuTelemetrySource = LabConfig["gpuTelemetry"];

export interface GpuTelemetryStatus {
  source: GpuTelemetrySource;
  state: "running" | "unavailable" | "stopped";
  reason?: string;
}

/** The collectors the service starts; tests swap in fakes. */
export interface TelemetryCollectorFactories {
  nvidiaSmi(options: NvidiaSmiCollectorOptions): Collector;
  dcgm(options: DcgmCollectorOptions): Collector;
  vllm(options: VllmMetricsCollectorOptions): Collector;
}

export const defaultCollectorFactories: TelemetryCollectorFactories = {
  nvidiaSmi: createNvidiaSmiCollector,
  dcgm: createDcgmCollector,
  vllm: createVllmMetricsCollector,
};

/** dcgm-exporter's default listen address. */
export const DEFAULT_DCGM_URL = "http://127.0.0.1:9400/metrics";

export interface GpuSourceOptions {
  intervalMs: number;
  now: () => number;
  collectors: TelemetryCollectorFactories;
  simulatedLoads: () => SimulatedGpuLoad[];
  nvidiaSmiCommand?: string;
  dcgmUrl?: string;
  onSamples: (samples: GpuSample[]) => void;
  log: (message: string, error?: unknown) => void;
}

/** One running GPU source. Once stopped, it delivers nothing more, even from a collector still winding down. */
export interface GpuSource {
  readonly source: GpuTelemetrySource;
  status(): GpuTelemetryStatus;
  /** Called on every service tick: the simulated GPUs are sampled here; collectors keep their own pace. */
  tick(): void;
  stop(): Promise<void>;
}

export function startGpuSource(source: GpuTelemetrySource, options: GpuSourceOptions): GpuSource {
  let active = true;
  let status: GpuTelemetryStatus = { source, state: "running" };
  const deliver = (samples: GpuSample[]) => {
    if (active) options.onSamples(samples);
  };
  const onStatus = (collectorStatus: CollectorStatus) => {
    if (active) status = statusFrom(source, collectorStatus);
  };
  const stopped = (): GpuTelemetryStatus => ({ source, state: "stopped" });

  switch (source) {
    case "none":
      status = { source, state: "stopped", reason: "GPU telemetry is off (gpuTelemetry: none)" };
      return {
        source,
        status: () => status,
        tick: () => undefined,
        stop: async () => {
          active = false;
        },
      };

    case "simulated": {
      const gpus = createSimulatedGpus({ now: options.now });
      let lastLoads: SimulatedGpuLoad[] = [];
      return {
        source,
        status: () => status,
        tick() {
          if (!active) return;
          try {
            lastLoads = options.simulatedLoads();
          } catch (error) {
            // Keep the previous loads: an empty list would read as every backend gone and release their memory.
            options.log("simulatedLoads() failed; reusing the previous loads", error);
          }
          deliver(gpus.sample(lastLoads));
        },
        async stop() {
          active = false;
          status = stopped();
        },
      };
    }

    case "nvidia-smi":
    case "dcgm": {
      status = { source, state: "unavailable", reason: `waiting for the first sample from ${source}` };
      const collector =
        source === "nvidia-smi"
          ? options.collectors.nvidiaSmi({
              intervalMs: options.intervalMs,
              now: options.now,
              onSample: deliver,
              onStatus,
              ...(options.nvidiaSmiCommand ? { command: options.nvidiaSmiCommand } : {}),
            })
          : options.collectors.dcgm({
              url: options.dcgmUrl ?? DEFAULT_DCGM_URL,
              intervalMs: options.intervalMs,
              now: options.now,
              onSample: deliver,
              onStatus,
            });
      return {
        source,
        status: () => status,
        tick: () => undefined,
        async stop() {
          active = false;
          status = stopped();
          await collector.stop();
        },
      };
    }
  }
}

function statusFrom(source: GpuTelemetrySource, status: CollectorStatus): GpuTelemetryStatus {
  if (status.state === "unavailable") return { source, state: "unavailable", reason: status.reason };
  return { source, state: status.state };
}
