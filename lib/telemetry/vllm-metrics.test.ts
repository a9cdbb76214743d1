import { readFileSync } from "node:fs";
import { afterEach, describe, expect, test, vi } from "vitest";
import { histogramQuantile } from "./histogram";
import type { CollectorStatus } from "./types";
import {
  counterIncrease,
  createVllmMetricsCollector,
  latencySummary,
  parseVllmMetrics,
  prefixCacheHitRate,
  quantileBetween,
  rateBetween,
  tokenThroughput,
  type BackendMetricsSample,
} from "./vllm-metrics";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const T0 = 1_761_297_600_000;
const before = parseVllmMetrics(fixture("vllm-0.11__qwen2.5-14b__metrics-t0.txt"), T0);
const after = parseVllmMetrics(fixture("vllm-0.11__qwen2.5-14b__metrics-t30s.txt"), T0 + 30_000);

describe("a vLLM v0.11 scrape", () => {
  test("gauges and counters", () => {
    expect(before).toMatchObject({
      at: T0,
      modelName: "qwen2.5-14b-instruct-awq",
      running: 6,
      waiting: 0,
      kvCacheUsage: 0.2141812865497076,
      promptTokensTotal: 2_071_071,
      generationTokensTotal: 426_724,
      requestSuccessTotal: { stop: 1702, length: 131, abort: 7, error: 0 },
      preemptionsTotal: 0,
      prefixCacheQueriesTotal: 2_071_071,
      prefixCacheHitsTotal: 1_203_968,
    });
  });

  test("histograms with vLLM's bucket bounds", () => {
    expect(before.ttftHistogram?.buckets.map(([le]) => le)).toEqual([
      0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560,
      Infinity,
    ]);
    // every request that got a first token: 1840 finished + 6 running
    expect(before.ttftHistogram?.count).toBe(1846);
    expect(before.ttftHistogram?.sum).toBeCloseTo(216.56581889513598, 9);
    expect(before.interTokenHistogram?.count).toBe(424_878);
    expect(before.e2eLatencyHistogram?.count).toBe(1840);
    expect(before.queueTimeHistogram?.count).toBe(1840);
  });
});

describe("between two scrapes", () => {
  test("token throughput in tokens per second", () => {
    const throughput = tokenThroughput(before, after);
    expect(throughput.promptTokensPerSecond).toBeCloseTo(26_099 / 30, 9);
    expect(throughput.generationTokensPerSecond).toBeCloseTo(6_268 / 30, 9);
  });

  test("p50 / p95 latencies of the window only, not of the whole uptime", () => {
    const summary = latencySummary(before, after);
    // The burst is slow: 26 first tokens, 9 of them within 0.5 s, 20 within 0.75 s, 24 within 1 s.
    expect(summary.ttftP50).toBeCloseTo(0.5 + 0.25 * (4 / 11), 9);
    expect(summary.ttftP95).toBeCloseTo(1 + 1.5 * (0.7 / 2), 9);
    expect(summary.interTokenP50).toBeCloseTo(0.04130933272185279, 9);
    expect(summary.interTokenP95).toBeCloseTo(0.07048320659062103, 9);
    // Over the whole uptime the median TTFT is far lower: the window is what shows the burst.
    const sinceStart = after.ttftHistogram ? histogramQuantile(0.5, after.ttftHistogram) : null;
    expect(sinceStart).toBeLessThan(0.1);
  });

  test("no latency figure for a window in which nothing was observed", () => {
    expect(quantileBetween(after, after, (sample) => sample.ttftHistogram, 0.5)).toBeNull();
    expect(latencySummary(after, { ...after, at: after.at + 1000 }).ttftP95).toBeNull();
  });

  test("prefix cache hit rate over the window", () => {
    expect(prefixCacheHitRate(before, after)).toBeCloseTo(15_008 / 26_099, 9);
  });

  test("a restarted server (counters went down) counts from zero instead of giving a negative rate", () => {
    const restarted = { ...after, promptTokensTotal: 3_000 };
    expect(rateBetween(before, restarted, (sample) => sample.promptTokensTotal)).toBeCloseTo(100, 9);
    expect(counterIncrease(10, 4)).toBe(4);
  });

  test("no rate without elapsed time or without the counter", () => {
    expect(rateBetween(before, before, (sample) => sample.promptTokensTotal)).toBeNull();
    expect(rateBetween(before, { ...after, promptTokensTotal: null }, (sample) => sample.promptTokensTotal)).toBeNull();
  });
});

describe("older and multi-engine servers", () => {
  test("falls back to the pre-0.11 names", () => {
    const sample = parseVllmMetrics(
      [
        'vllm:gpu_cache_usage_perc{engine="0",model_name="m"} 0.4',
        'vllm:gpu_prefix_cache_queries_total{engine="0",model_name="m"} 100',
        'vllm:gpu_prefix_cache_hits_total{engine="0",model_name="m"} 40',
        'vllm:time_per_output_token_seconds_bucket{engine="0",le="0.05",model_name="m"} 3',
        'vllm:time_per_output_token_seconds_bucket{engine="0",le="+Inf",model_name="m"} 4',
      ].join("\n"),
      0,
    );
    expect(sample.kvCacheUsage).toBe(0.4);
    expect(sample.prefixCacheQueriesTotal).toBe(100);
    expect(sample.prefixCacheHitsTotal).toBe(40);
    expect(sample.interTokenHistogram?.count).toBe(4);
  });

  test("the current name wins when a server publishes both", () => {
    const sample = parseVllmMetrics(
      'vllm:gpu_cache_usage_perc{engine="0"} 0.9\nvllm:kv_cache_usage_perc{engine="0"} 0.3',
      0,
    );
    expect(sample.kvCacheUsage).toBe(0.3);
  });

  test("data-parallel engines: requests and tokens add up, KV-cache usage averages", () => {
    const sample = parseVllmMetrics(
      [
        'vllm:num_requests_running{engine="0",model_name="m"} 3',
        'vllm:num_requests_running{engine="1",model_name="m"} 5',
        'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.2',
        'vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.6',
        'vllm:generation_tokens_total{engine="0",model_name="m"} 1000',
        'vllm:generation_tokens_total{engine="1",model_name="m"} 3000',
      ].join("\n"),
      0,
    );
    expect(sample.running).toBe(8);
    expect(sample.kvCacheUsage).toBeCloseTo(0.4, 10);
    expect(sample.generationTokensTotal).toBe(4000);
  });

  test("a body without vLLM metrics reads as all-unknown, not zeros", () => {
    const sample = parseVllmMetrics("process_open_fds 12\n", 0);
    expect(sample).toMatchObject({
      modelName: null,
      running: null,
      kvCacheUsage: null,
      promptTokensTotal: null,
      ttftHistogram: null,
      requestSuccessTotal: {},
    });
  });
});

describe("createVllmMetricsCollector", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("scrapes /metrics into samples; a loading server (refused) or a non-vLLM body is unavailable", async () => {
    vi.useFakeTimers();
    const bodies: Array<string | Error> = [
      new Error("fetch failed: connect ECONNREFUSED 127.0.0.1:8002 (ECONNREFUSED)"),
      "go_goroutines 7\n",
      fixture("vllm-0.11__qwen2.5-14b__metrics-t0.txt"),
    ];
    const samples: BackendMetricsSample[] = [];
    const statuses: CollectorStatus[] = [];
    const collector = createVllmMetricsCollector({
      url: "http://127.0.0.1:8002/metrics",
      intervalMs: 2000,
      now: () => Date.now(),
      fetchText: async () => {
        const body = bodies.shift() ?? fixture("vllm-0.11__qwen2.5-14b__metrics-t30s.txt");
        if (body instanceof Error) throw body;
        return body;
      },
      onSample: (sample) => samples.push(sample),
      onStatus: (status) => statuses.push(status),
    });
    await vi.advanceTimersByTimeAsync(6000);
    expect(statuses.map((status) => status.state)).toEqual(["unavailable", "unavailable", "running"]);
    expect(statuses[1]).toMatchObject({ reason: "no vLLM metrics in the answer from http://127.0.0.1:8002/metrics" });
    expect(samples.map((sample) => sample.running)).toEqual([6, 8]);
    const [first, second] = samples;
    expect(second && first && second.at - first.at).toBe(2000);
    await collector.stop();
  });
});
