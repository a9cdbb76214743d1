import { parsePrometheusText, type PrometheusSample } from "./prometheus-text";
import { callSafely } from "./call-safely";
import { createScrapeLoop, type FetchText } from "./scrape-loop";
import type { Collector, CollectorStatus, GpuSample } from "./types";

/**
 * dcgm-exporter metric names (its etc/default-counters.csv). Power limit and fan speed are not in the default set;
 * they are read when an operator's counters file adds them. Likewise FB_TOTAL: without it the total is
 * FB_FREE + FB_USED + FB_RESERVED.
 */
export const DCGM_METRICS = {
  utilization: "DCGM_FI_DEV_GPU_UTIL",
  memoryUsed: "DCGM_FI_DEV_FB_USED",
  memoryFree: "DCGM_FI_DEV_FB_FREE",
  memoryReserved: "DCGM_FI_DEV_FB_RESERVED",
  memoryTotal: "DCGM_FI_DEV_FB_TOTAL",
  temperature: "DCGM_FI_DEV_GPU_TEMP",
  powerDraw: "DCGM_FI_DEV_POWER_USAGE",
  powerLimit: "DCGM_FI_DEV_POWER_MGMT_LIMIT",
  enforcedPowerLimit: "DCGM_FI_DEV_ENFORCED_POWER_LIMIT",
  smClock: "DCGM_FI_DEV_SM_CLOCK",
  fanSpeed: "DCGM_FI_DEV_FAN_SPEED",
} as const;

/**
 * Groups a dcgm-exporter scrape by GPU (label `gpu` = the index, `UUID`, `modelName`) into GpuSample[], sorted by
 * index. Series that are not DCGM_FI_* or carry no `gpu` label are ignored. With MIG, the exporter publishes one
 * series per instance; the first per GPU is used (the lab's GeForce cards have no MIG).
 */
export function gpuSamplesFromDcgm(samples: readonly PrometheusSample[], at: number): GpuSample[] {
  const gpus = new Map<number, { labels: Record<string, string>; values: Map<string, number> }>();
  for (const sample of samples) {
    if (!sample.name.startsWith("DCGM_FI_")) continue;
    const index = Number(sample.labels.gpu);
    if (sample.labels.gpu === undefined || sample.labels.gpu === "" || !Number.isInteger(index) || index < 0) continue;
    let gpu = gpus.get(index);
    if (!gpu) {
      gpu = { labels: sample.labels, values: new Map() };
      gpus.set(index, gpu);
    }
    if (!gpu.values.has(sample.name) && Number.isFinite(sample.value)) gpu.values.set(sample.name, sample.value);
  }

  return [...gpus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, { labels, values }]) => {
      const value = (name: string) => values.get(name) ?? null;
      const used = value(DCGM_METRICS.memoryUsed);
      const free = value(DCGM_METRICS.memoryFree);
      const total =
        value(DCGM_METRICS.memoryTotal) ??
        (used !== null && free !== null ? used + free + (value(DCGM_METRICS.memoryReserved) ?? 0) : null);
      const sample: GpuSample = {
        index,
        at,
        utilizationPct: value(DCGM_METRICS.utilization),
        memoryUsedMiB: used,
        memoryTotalMiB: total,
        temperatureC: value(DCGM_METRICS.temperature),
        powerDrawW: value(DCGM_METRICS.powerDraw),
        powerLimitW: value(DCGM_METRICS.powerLimit) ?? value(DCGM_METRICS.enforcedPowerLimit),
        smClockMHz: value(DCGM_METRICS.smClock),
        fanPct: value(DCGM_METRICS.fanSpeed),
      };
      if (labels.UUID) sample.uuid = labels.UUID;
      if (labels.modelName) sample.name = labels.modelName;
      return sample;
    });
}

export function parseDcgmScrape(text: string, at: number): GpuSample[] {
  return gpuSamplesFromDcgm(parsePrometheusText(text), at);
}

export interface DcgmCollectorOptions {
  /** The exporter's metrics URL, e.g. http://127.0.0.1:9400/metrics */
  url: string;
  intervalMs: number;
  timeoutMs?: number;
  fetchText?: FetchText;
  /** Called once per scrape with one sample per GPU. */
  onSample: (samples: GpuSample[]) => void;
  onStatus: (status: CollectorStatus) => void;
  now?: () => number;
}

/** Polls a DCGM exporter; unreachable, failing or GPU-less scrapes report `unavailable` and are retried. */
export function createDcgmCollector(options: DcgmCollectorOptions): Collector {
  return createScrapeLoop({
    url: options.url,
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    fetchText: options.fetchText,
    now: options.now,
    onStatus: options.onStatus,
    onText(text, at) {
      const samples = parseDcgmScrape(text, at);
      if (samples.length === 0) throw new Error(`no DCGM GPU metrics in the answer from ${options.url}`);
      callSafely(() => options.onSample(samples));
    },
  });
}
