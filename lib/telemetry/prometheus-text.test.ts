import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  parsePrometheusScrape,
  parsePrometheusText,
  parsePrometheusValue,
  selectSamples,
  sumSamples,
} from "./prometheus-text";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("sample lines", () => {
  test("name, labels and value", () => {
    expect(parsePrometheusText('vllm:num_requests_running{engine="0",model_name="Qwen/Qwen3-0.6B"} 0.0')).toEqual([
      { name: "vllm:num_requests_running", labels: { engine: "0", model_name: "Qwen/Qwen3-0.6B" }, value: 0 },
    ]);
  });

  test("a series without labels, and one with empty braces", () => {
    expect(parsePrometheusText("process_open_fds 87.0\nup{} 1")).toEqual([
      { name: "process_open_fds", labels: {}, value: 87 },
      { name: "up", labels: {}, value: 1 },
    ]);
  });

  test("escaped quotes, backslashes and newlines in label values", () => {
    const [sample] = parsePrometheusText(String.raw`msg{text="say \"hi\"",path="C:\\tmp",multi="a\nb"} 1`);
    expect(sample?.labels).toEqual({ text: 'say "hi"', path: "C:\\tmp", multi: "a\nb" });
  });

  test("commas, braces and spaces inside a quoted label value do not end it", () => {
    const [sample] = parsePrometheusText('x{a="1,2} 3",b="y"} 4');
    expect(sample).toEqual({ name: "x", labels: { a: "1,2} 3", b: "y" }, value: 4 });
  });

  test("a trailing comma in the label set and spaces around it", () => {
    expect(parsePrometheusText('x{ a = "1" , b="2", } 5')[0]?.labels).toEqual({ a: "1", b: "2" });
  });

  test("special values: +Inf, -Inf, NaN; Go and Python float spellings", () => {
    const values = parsePrometheusText(
      ["a +Inf", "b -Inf", "c NaN", "d 1.846273e+06", "e 4.156229632e+010", "f -0.5", "g 1e-3"].join("\n"),
    ).map((sample) => sample.value);
    expect(values.slice(0, 2)).toEqual([Infinity, -Infinity]);
    expect(values[2]).toBeNaN();
    expect(values.slice(3)).toEqual([1846273, 41562296320, -0.5, 0.001]);
  });

  test("an optional timestamp in milliseconds", () => {
    expect(parsePrometheusText("http_requests_total 1027 1395066363000")[0]).toEqual({
      name: "http_requests_total",
      labels: {},
      value: 1027,
      timestampMs: 1395066363000,
    });
  });

  test("UTF-8 metric names quoted inside the braces", () => {
    expect(parsePrometheusText('{"my.metric.name", code="200"} 2')[0]).toEqual({
      name: "my.metric.name",
      labels: { code: "200" },
      value: 2,
    });
  });

  test("malformed lines are skipped and reported, the rest of the scrape survives", () => {
    const text = [
      "good_one 1",
      "no_value",
      'unterminated{a="1} 2',
      "bad_value{} twelve",
      "hex_is_not_a_value 0x10",
      "too many fields 1 2",
      "good_two 2",
    ].join("\n");
    const scrape = parsePrometheusScrape(text);
    expect(scrape.samples.map((sample) => sample.name)).toEqual(["good_one", "good_two"]);
    expect(scrape.skippedLines).toEqual([2, 3, 4, 5, 6]);
  });
});

describe("comments", () => {
  test("HELP and TYPE are kept per family, other comments ignored", () => {
    const scrape = parsePrometheusScrape(
      [
        "# HELP vllm:num_requests_running Number of requests in model execution batches.",
        "# TYPE vllm:num_requests_running gauge",
        "# a free comment",
        "#HELP-not-really",
        "# HELP weird Line one\\nline two with a \\\\ backslash",
        'vllm:num_requests_running{engine="0"} 3',
      ].join("\n"),
    );
    expect(scrape.families.get("vllm:num_requests_running")).toEqual({
      type: "gauge",
      help: "Number of requests in model execution batches.",
    });
    expect(scrape.families.get("weird")?.help).toBe("Line one\nline two with a \\ backslash");
    expect(scrape.samples).toHaveLength(1);
    expect(scrape.skippedLines).toEqual([]);
  });
});

describe("histograms", () => {
  test("buckets keep their le label, including +Inf; _sum and _count are plain series", () => {
    const samples = parsePrometheusText(
      [
        "# TYPE rpc_duration_seconds histogram",
        'rpc_duration_seconds_bucket{le="0.05"} 24054',
        'rpc_duration_seconds_bucket{le="0.1"} 33444',
        'rpc_duration_seconds_bucket{le="+Inf"} 144320',
        "rpc_duration_seconds_sum 53423",
        "rpc_duration_seconds_count 144320",
      ].join("\n"),
    );
    expect(selectSamples(samples, "rpc_duration_seconds_bucket").map((sample) => sample.labels.le)).toEqual([
      "0.05",
      "0.1",
      "+Inf",
    ]);
    expect(sumSamples(samples, "rpc_duration_seconds_count")).toBe(144320);
  });
});

describe("selection helpers", () => {
  const samples = parsePrometheusText(
    [
      'vllm:request_success_total{engine="0",finished_reason="stop"} 10',
      'vllm:request_success_total{engine="1",finished_reason="stop"} 30',
      'vllm:request_success_total{engine="0",finished_reason="length"} 2',
    ].join("\n"),
  );

  test("sum over series, optionally narrowed by labels", () => {
    expect(sumSamples(samples, "vllm:request_success_total")).toBe(42);
    expect(sumSamples(samples, "vllm:request_success_total", { finished_reason: "stop" })).toBe(40);
    expect(sumSamples(samples, "vllm:absent")).toBeNull();
  });
});

describe("real-format scrapes", () => {
  test("a vLLM /metrics scrape parses completely", () => {
    const scrape = parsePrometheusScrape(fixture("vllm-0.11__qwen2.5-14b__metrics-t0.txt"));
    expect(scrape.skippedLines).toEqual([]);
    expect(scrape.families.get("vllm:time_to_first_token_seconds")?.type).toBe("histogram");
    expect(scrape.families.get("vllm:prompt_tokens_total")?.type).toBe("counter");
    const info = selectSamples(scrape.samples, "vllm:cache_config_info")[0];
    expect(info?.labels.gpu_memory_utilization).toBe("0.88");
    expect(info?.labels.enable_prefix_caching).toBe("True");
  });

  test("a dcgm-exporter scrape parses completely", () => {
    const scrape = parsePrometheusScrape(fixture("dcgm-exporter__2x-rtx-3090__metrics.txt"));
    expect(scrape.skippedLines).toEqual([]);
    expect(scrape.samples).toHaveLength(40);
    expect(scrape.samples[0]?.labels).toMatchObject({ gpu: "0", modelName: "NVIDIA GeForce RTX 3090" });
  });
});

test("value tokens that are not numbers are rejected rather than read as 0", () => {
  expect(parsePrometheusValue("")).toBeNull();
  expect(parsePrometheusValue("0x10")).toBeNull();
  expect(parsePrometheusValue("1_000")).toBeNull();
  expect(parsePrometheusValue("Inf")).toBe(Infinity);
});
