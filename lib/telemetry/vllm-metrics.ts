import { histogramFromSamples, histogramIncrease, histogramQuantile, type Histogram } from "./histogram";
import { parsePrometheusText, selectSamples, sumSamples, type PrometheusSample } from "./prometheus-text";
import { callSafely } from "./call-safely";
import { createScrapeLoop, type FetchText } from "./scrape-loop";
import type { Collector, CollectorStatus } from "./types";

/**
 * One reading of a vLLM server's /metrics. Counters are cumulative since the server started (compare two samples
 * for rates); gauges are instantaneous. A field is `null` when this vLLM version does not publish the metric.
 * Series of several engines (data parallel) are summed, except KV-cache usage, which is averaged.
 */
export interface BackendMetricsSample {
  /** Epoch ms of the scrape. */
  at: number;
  /** The `model_name` label: vLLM's first served model name. */
  modelName: string | null;
  running: number | null;
  waiting: number | null;
  /** 0..1 */
  kvCacheUsage: number | null;
  promptTokensTotal: number | null;
  generationTokensTotal: number | null;
  /** Finished requests by `finished_reason` (stop, length, abort, error). */
  requestSuccessTotal: Record<string, number>;
  preemptionsTotal: number | null;
  /** In tokens, like vLLM counts them. */
  prefixCacheQueriesTotal: number | null;
  prefixCacheHitsTotal: number | null;
  /** Seconds. */
  ttftHistogram: Histogram | null;
  /** Seconds between output tokens (`inter_token_latency_seconds`, or `time_per_output_token_seconds` before v0.11). */
  interTokenHistogram: Histogram | null;
  e2eLatencyHistogram: Histogram | null;
  queueTimeHistogram: Histogram | null;
}

// Renamed metrics: the current name first, then what older vLLM versions publish.
export const VLLM_METRIC_NAMES = {
  running: ["vllm:num_requests_running"],
  waiting: ["vllm:num_requests_waiting"],
  kvCacheUsage: ["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"],
  promptTokens: ["vllm:prompt_tokens_total"],
  generationTokens: ["vllm:generation_tokens_total"],
  requestSuccess: ["vllm:request_success_total"],
  preemptions: ["vllm:num_preemptions_total"],
  prefixCacheQueries: ["vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"],
  prefixCacheHits: ["vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"],
  ttft: ["vllm:time_to_first_token_seconds"],
  interToken: ["vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"],
  e2eLatency: ["vllm:e2e_request_latency_seconds"],
  queueTime: ["vllm:request_queue_time_seconds"],
} as const;

/** Parses the text of a vLLM /metrics response. */
export function parseVllmMetrics(text: string, at: number): BackendMetricsSample {
  return backendMetricsFromSamples(parsePrometheusText(text), at);
}

export function backendMetricsFromSamples(samples: readonly PrometheusSample[], at: number): BackendMetricsSample {
  const total = (names: readonly string[]) => firstPresent(names, (name) => sumSamples(samples, name));
  const histogram = (names: readonly string[]) => firstPresent(names, (name) => histogramFromSamples(samples, name));

  const requestSuccessTotal: Record<string, number> = {};
  for (const sample of selectSamples(samples, VLLM_METRIC_NAMES.requestSuccess[0])) {
    const reason = sample.labels.finished_reason ?? "unknown";
    requestSuccessTotal[reason] = (requestSuccessTotal[reason] ?? 0) + sample.value;
  }

  return {
    at,
    modelName: samples.find((sample) => sample.name.startsWith("vllm:") && sample.labels.model_name)?.labels
      .model_name ?? null,
    running: total(VLLM_METRIC_NAMES.running),
    waiting: total(VLLM_METRIC_NAMES.waiting),
    kvCacheUsage: firstPresent(VLLM_METRIC_NAMES.kvCacheUsage, (name) => meanSamples(samples, name)),
    promptTokensTotal: total(VLLM_METRIC_NAMES.promptTokens),
    generationTokensTotal: total(VLLM_METRIC_NAMES.generationTokens),
    requestSuccessTotal,
    preemptionsTotal: total(VLLM_METRIC_NAMES.preemptions),
    prefixCacheQueriesTotal: total(VLLM_METRIC_NAMES.prefixCacheQueries),
    prefixCacheHitsTotal: total(VLLM_METRIC_NAMES.prefixCacheHits),
    ttftHistogram: histogram(VLLM_METRIC_NAMES.ttft),
    interTokenHistogram: histogram(VLLM_METRIC_NAMES.interToken),
    e2eLatencyHistogram: histogram(VLLM_METRIC_NAMES.e2eLatency),
    queueTimeHistogram: histogram(VLLM_METRIC_NAMES.queueTime),
  };
}

/**
 * Increase of a counter between two readings. A value that went down means vLLM restarted and the counter began
 * again from zero, so the later value is all new (Prometheus' reset rule). `null` when either reading lacks it.
 */
export function counterIncrease(earlier: number | null, later: number | null): number | null {
  if (earlier === null || later === null) return null;
  return later >= earlier ? later - earlier : later;
}

/** Per-second rate of a counter between two samples; `null` without two readings or elapsed time. */
export function rateBetween(
  earlier: BackendMetricsSample,
  later: BackendMetricsSample,
  pick: (sample: BackendMetricsSample) => number | null,
): number | null {
  const seconds = (later.at - earlier.at) / 1000;
  const increase = counterIncrease(pick(earlier), pick(later));
  if (increase === null || !(seconds > 0)) return null;
  return increase / seconds;
}

export interface TokenThroughput {
  promptTokensPerSecond: number | null;
  generationTokensPerSecond: number | null;
}

export function tokenThroughput(earlier: BackendMetricsSample, later: BackendMetricsSample): TokenThroughput {
  return {
    promptTokensPerSecond: rateBetween(earlier, later, (sample) => sample.promptTokensTotal),
    generationTokensPerSecond: rateBetween(earlier, later, (sample) => sample.generationTokensTotal),
  };
}

/**
 * The q-quantile of what a histogram observed between two samples, like
 * `histogram_quantile(q, increase(metric_bucket[window]))`. `null` when nothing was observed in the window.
 */
export function quantileBetween(
  earlier: BackendMetricsSample,
  later: BackendMetricsSample,
  pick: (sample: BackendMetricsSample) => Histogram | null,
  q: number,
): number | null {
  const before = pick(earlier);
  const after = pick(later);
  if (!after) return null;
  const window = before ? histogramIncrease(before, after) : after;
  return histogramQuantile(q, window);
}

export interface LatencySummary {
  /** Seconds; `null` when no request got its first token in the window. */
  ttftP50: number | null;
  ttftP95: number | null;
  interTokenP50: number | null;
  interTokenP95: number | null;
}

/** p50 / p95 time to first token and inter-token latency over the window between two samples. */
export function latencySummary(earlier: BackendMetricsSample, later: BackendMetricsSample): LatencySummary {
  const ttft = (sample: BackendMetricsSample) => sample.ttftHistogram;
  const interToken = (sample: BackendMetricsSample) => sample.interTokenHistogram;
  return {
    ttftP50: quantileBetween(earlier, later, ttft, 0.5),
    ttftP95: quantileBetween(earlier, later, ttft, 0.95),
    interTokenP50: quantileBetween(earlier, later, interToken, 0.5),
    interTokenP95: quantileBetween(earlier, later, interToken, 0.95),
  };
}

/** Share of queried prompt tokens served from the prefix cache in the window (0..1), `null` when none was queried. */
export function prefixCacheHitRate(earlier: BackendMetricsSample, later: BackendMetricsSample): number | null {
  const queries = counterIncrease(earlier.prefixCacheQueriesTotal, later.prefixCacheQueriesTotal);
  const hits = counterIncrease(earlier.prefixCacheHitsTotal, later.prefixCacheHitsTotal);
  if (queries === null || hits === null || queries === 0) return null;
  return hits / queries;
}

function firstPresent<T>(names: readonly string[], read: (name: string) => T | null): T | null {
  for (const name of names) {
    const value = read(name);
    if (value !== null) return value;
  }
  return null;
}

function meanSamples(samples: readonly PrometheusSample[], name: string): number | null {
  const selected = selectSamples(samples, name);
  if (selected.length === 0) return null;
  return selected.reduce((total, sample) => total + sample.value, 0) / selected.length;
}

export interface VllmMetricsCollectorOptions {
  /** The server's metrics URL, e.g. http://127.0.0.1:8001/metrics */
  url: string;
  intervalMs: number;
  timeoutMs?: number;
  fetchText?: FetchText;
  onSample: (sample: BackendMetricsSample) => void;
  onStatus: (status: CollectorStatus) => void;
  now?: () => number;
}

/**
 * Polls one vLLM server's /metrics. A server that is loading refuses connections: that reads as `unavailable`
 * until it answers, then samples resume. A body without any `vllm:` series (wrong port) is also `unavailable`.
 */
export function createVllmMetricsCollector(options: VllmMetricsCollectorOptions): Collector {
  return createScrapeLoop({
    url: options.url,
    intervalMs: options.intervalMs,
    timeoutMs: options.timeoutMs,
    fetchText: options.fetchText,
    now: options.now,
    onStatus: options.onStatus,
    onText(text, at) {
      const samples = parsePrometheusText(text);
      if (!samples.some((sample) => sample.name.startsWith("vllm:"))) {
        throw new Error(`no vLLM metrics in the answer from ${options.url}`);
      }
      const sample = backendMetricsFromSamples(samples, at);
      callSafely(() => options.onSample(sample));
    },
  });
}
