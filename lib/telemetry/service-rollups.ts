import { secondsToMs } from "./service-backend";
import { BACKEND_GAUGE_FIELDS, GPU_SAMPLE_FIELDS, mapFields, type BackendReadings, type GpuReadings, type GpuSample } from "./types";
import { latencySummary, tokenThroughput, type BackendMetricsSample } from "./vllm-metrics";

/** One GPU averaged over a persistence window (`at` = the window's end). */
export interface GpuRollupRow extends GpuReadings {
  at: Date;
  gpuIndex: number;
}

/** One backend over a persistence window: gauges averaged, rates and TTFT percentiles over the whole window. */
export interface BackendRollupRow extends Omit<BackendReadings, "inFlight"> {
  at: Date;
  backendId: string;
  /** Gateway-side concurrency; the telemetry service does not know it. */
  inFlight: null;
}

/** Averages one GPU's samples of a window; a field no sample reported stays `null`. `null` for an empty window. */
export function gpuRollupRow(gpuIndex: number, samples: readonly GpuSample[], at: Date): GpuRollupRow | null {
  if (samples.length === 0) return null;
  return { at, gpuIndex, ...mapFields(GPU_SAMPLE_FIELDS, (field) => mean(samples.map((sample) => sample[field]))) };
}

/**
 * Summarises one backend's scrapes of a window. Counters are compared between `baseline` (the last scrape before
 * the window, so no increase falls between two windows) and the window's last scrape. `null` for an empty window.
 */
export function backendRollupRow(
  backendId: string,
  baseline: BackendMetricsSample | null,
  window: readonly BackendMetricsSample[],
  at: Date,
): BackendRollupRow | null {
  const first = window[0];
  const last = window[window.length - 1];
  if (!first || !last) return null;
  const from = baseline ?? first;
  const compared = from.at < last.at;
  const rates = compared ? tokenThroughput(from, last) : null;
  const latency = compared ? latencySummary(from, last) : null;
  return {
    at,
    backendId,
    ...mapFields(BACKEND_GAUGE_FIELDS, (field) => mean(window.map((sample) => sample[field]))),
    promptTokensPerSecond: rates?.promptTokensPerSecond ?? null,
    generationTokensPerSecond: rates?.generationTokensPerSecond ?? null,
    ttftP50Ms: secondsToMs(latency?.ttftP50 ?? null),
    ttftP95Ms: secondsToMs(latency?.ttftP95 ?? null),
    inFlight: null,
  };
}

export function mean(values: readonly (number | null)[]): number | null {
  let total = 0;
  let count = 0;
  for (const value of values) {
    if (value === null || !Number.isFinite(value)) continue;
    total += value;
    count++;
  }
  return count === 0 ? null : total / count;
}
