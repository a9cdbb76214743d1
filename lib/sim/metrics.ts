/**
 * vLLM V1's Prometheus metrics (names, HELP texts, buckets and label sets as in vllm/v1/metrics/loggers.py),
 * rendered in the text format prometheus_client writes: float values ("3.0"), `le` as a float string,
 * `_bucket` lines then `_count` then `_sum`. Every series carries `engine="0"` and `model_name`; labels are
 * written in alphabetical order.
 */

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type FinishedReason = "stop" | "length" | "abort" | "error";
const FINISHED_REASONS: readonly FinishedReason[] = ["stop", "length", "abort", "error"];

const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0,
  640.0, 2560.0,
];
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
const REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0,
  7680.0,
];

/** vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, ... up to max. */
export function buckets125(max: number): number[] {
  const out: number[] = [];
  for (let scale = 1; ; scale *= 10) {
    for (const m of [1, 2, 5]) {
      if (m * scale > max) return out;
      out.push(m * scale);
    }
  }
}

/** prometheus_client's floatToGoString for the values we produce. */
export function formatValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return `${value}.0`;
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Record<string, string>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] ?? "")}"`)
    .join(",")}}`;
}

class Histogram {
  readonly counts: number[];
  count = 0;
  sum = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] ?? Infinity)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.count++;
    this.sum += value;
  }

  render(base: Record<string, string>, out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    let cumulative = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      cumulative += this.counts[i] ?? 0;
      const le = formatValue(i < this.bounds.length ? (this.bounds[i] ?? Infinity) : Infinity);
      out.push(`${this.name}_bucket${labelText({ ...base, le })} ${formatValue(cumulative)}`);
    }
    out.push(`${this.name}_count${labelText(base)} ${formatValue(this.count)}`);
    out.push(`${this.name}_sum${labelText(base)} ${formatValue(this.sum)}`);
  }
}

export interface FinishedRequestTimes {
  /** Seconds. */
  queue: number;
  prefill: number;
  decode: number;
  e2e: number;
}

export interface EngineGauges {
  running: number;
  waiting: number;
  kvCacheUsage: number;
}

export class SimMetrics {
  promptTokens = 0;
  generationTokens = 0;
  preemptions = 0;
  prefixCacheQueries = 0;
  prefixCacheHits = 0;
  readonly success: Record<FinishedReason, number> = { stop: 0, length: 0, abort: 0, error: 0 };

  readonly ttft = new Histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TTFT_BUCKETS);
  readonly interToken = new Histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", ITL_BUCKETS);
  readonly e2e = new Histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", REQUEST_LATENCY_BUCKETS);
  readonly queue = new Histogram(
    "vllm:request_queue_time_seconds",
    "Histogram of time spent in WAITING phase for request.",
    REQUEST_LATENCY_BUCKETS,
  );
  readonly inference = new Histogram(
    "vllm:request_inference_time_seconds",
    "Histogram of time spent in RUNNING phase for request.",
    REQUEST_LATENCY_BUCKETS,
  );
  readonly prefill = new Histogram(
    "vllm:request_prefill_time_seconds",
    "Histogram of time spent in PREFILL phase for request.",
    REQUEST_LATENCY_BUCKETS,
  );
  readonly decode = new Histogram(
    "vllm:request_decode_time_seconds",
    "Histogram of time spent in DECODE phase for request.",
    REQUEST_LATENCY_BUCKETS,
  );
  readonly requestPromptTokens: Histogram;
  readonly requestGenerationTokens: Histogram;

  constructor(
    private readonly modelName: string,
    private readonly cacheInfo: Record<string, string>,
    maxModelLen: number,
  ) {
    const tokenBuckets = buckets125(maxModelLen);
    this.requestPromptTokens = new Histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", tokenBuckets);
    this.requestGenerationTokens = new Histogram(
      "vllm:request_generation_tokens",
      "Number of generation tokens processed.",
      tokenBuckets,
    );
  }

  recordFinished(reason: FinishedReason, promptTokens: number, generationTokens: number, times: FinishedRequestTimes): void {
    this.success[reason]++;
    this.requestPromptTokens.observe(promptTokens);
    this.requestGenerationTokens.observe(generationTokens);
    this.queue.observe(times.queue);
    this.prefill.observe(times.prefill);
    this.decode.observe(times.decode);
    this.inference.observe(times.prefill + times.decode);
    this.e2e.observe(times.e2e);
  }

  render(gauges: EngineGauges): string {
    const base = { engine: "0", model_name: this.modelName };
    const labels = labelText(base);
    const out: string[] = [];
    const gauge = (name: string, help: string, value: number) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${labels} ${formatValue(value)}`);
    const counter = (name: string, help: string, value: number) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}${labels} ${formatValue(value)}`);

    gauge("vllm:num_requests_running", "Number of requests in model execution batches.", gauges.running);
    gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", gauges.waiting);
    gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", gauges.kvCacheUsage);
    counter(
      "vllm:prefix_cache_queries_total",
      "Prefix cache queries, in terms of number of queried tokens.",
      this.prefixCacheQueries,
    );
    counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", this.prefixCacheHits);
    counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", this.preemptions);
    counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", this.promptTokens);
    counter("vllm:generation_tokens_total", "Number of generation tokens processed.", this.generationTokens);

    out.push("# HELP vllm:request_success_total Count of successfully processed requests.");
    out.push("# TYPE vllm:request_success_total counter");
    for (const reason of FINISHED_REASONS) {
      out.push(`vllm:request_success_total${labelText({ ...base, finished_reason: reason })} ${formatValue(this.success[reason])}`);
    }

    for (const histogram of [
      this.requestPromptTokens,
      this.requestGenerationTokens,
      this.ttft,
      this.interToken,
      this.e2e,
      this.queue,
      this.inference,
      this.prefill,
      this.decode,
    ]) {
      histogram.render(base, out);
    }

    out.push("# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig");
    out.push("# TYPE vllm:cache_config_info gauge");
    out.push(`vllm:cache_config_info${labelText({ ...this.cacheInfo, ...base })} 1.0`);
    return `${out.join("\n")}\n`;
  }
}
