import type { BackendHistoryPoint, GpuHistoryPoint, GpuSample } from "@/components/hooks/api-types";
import { mibToGib } from "@/components/ui/format";
import { insertGaps, prepareSeries, type PreparedSeries, type SeriesRow } from "./prepare-series";

/** GPU history in display units: memory in GiB (nvidia-smi reports MiB), everything else as reported. */
export const GPU_SERIES_KEYS = ["utilizationPct", "memoryUsedGiB", "memoryTotalGiB", "powerDrawW", "powerLimitW", "temperatureC"] as const;
export type GpuSeriesKey = (typeof GPU_SERIES_KEYS)[number];

export function prepareGpuHistory(
  points: readonly GpuHistoryPoint[],
  options: { spanMs: number; sourceBucketMs: number; now: number },
): PreparedSeries<GpuSeriesKey> {
  const rows: SeriesRow<GpuSeriesKey>[] = points.map((p) => ({
    t: p.t,
    utilizationPct: p.utilizationPct,
    memoryUsedGiB: mibToGib(p.memoryUsedMiB),
    memoryTotalGiB: mibToGib(p.memoryTotalMiB),
    powerDrawW: p.powerDrawW,
    powerLimitW: p.powerLimitW,
    temperatureC: p.temperatureC,
  }));
  return prepareSeries(rows, GPU_SERIES_KEYS, options);
}

/** vLLM engine history in display units: KV-cache usage as a percentage (vLLM reports 0..1). */
export const ENGINE_SERIES_KEYS = ["running", "waiting", "kvCachePct", "ttftP50Ms", "ttftP95Ms", "tokensPerSecond"] as const;
export type EngineSeriesKey = (typeof ENGINE_SERIES_KEYS)[number];

export function prepareEngineHistory(
  points: readonly BackendHistoryPoint[],
  options: { spanMs: number; sourceBucketMs: number; now: number },
): PreparedSeries<EngineSeriesKey> {
  const rows: SeriesRow<EngineSeriesKey>[] = points.map((p) => ({
    t: p.t,
    running: p.running,
    waiting: p.waiting,
    kvCachePct: p.kvCacheUsage === null ? null : p.kvCacheUsage * 100,
    ttftP50Ms: p.ttftP50Ms,
    ttftP95Ms: p.ttftP95Ms,
    tokensPerSecond: p.generationTokensPerSecond,
  }));
  return prepareSeries(rows, ENGINE_SERIES_KEYS, options);
}

export type SparklineKey = "utilizationPct" | "powerDrawW" | "memoryUsedMiB" | "temperatureC";

/** The overview's sparkline: the live samples of one GPU over the last `windowMs`, broken where ticks were missed. */
export type SparklineSample = Pick<GpuSample, "at" | SparklineKey>;

/** Live samples only start when the page opens: the recent history fills the sparkline's window before that. */
export function withRecentHistory(history: readonly GpuHistoryPoint[], live: readonly GpuSample[]): SparklineSample[] {
  const firstLive = live[0]?.at ?? Number.POSITIVE_INFINITY;
  const earlier = history
    .filter((p) => p.t < firstLive)
    .map((p) => ({ at: p.t, utilizationPct: p.utilizationPct, powerDrawW: p.powerDrawW, memoryUsedMiB: p.memoryUsedMiB, temperatureC: p.temperatureC }));
  return [...earlier, ...live];
}

export function prepareSparkline(samples: readonly SparklineSample[], key: SparklineKey, { now, windowMs }: { now: number; windowMs: number }) {
  const rows = samples.filter((s) => s.at >= now - windowMs).map((s) => ({ t: s.at, value: s[key] }));
  return { rows: insertGaps(rows, ["value"] as const, typicalIntervalMs(rows.map((r) => r.t))), domain: [now - windowMs, now] as [number, number] };
}

/** The collector's tick, read from the data (the median spacing), so a slower collector is not drawn as all gaps. */
export function typicalIntervalMs(times: readonly number[], fallbackMs = 1_000): number {
  const intervals = times.slice(1).map((t, i) => t - (times[i] ?? t)).filter((d) => d > 0).sort((a, b) => a - b);
  if (intervals.length === 0) return fallbackMs;
  return intervals[Math.floor(intervals.length / 2)] ?? fallbackMs;
}
