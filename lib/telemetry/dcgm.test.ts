import { readFileSync } from "node:fs";
import { afterEach, describe, expect, test, vi } from "vitest";
import { DCGM_METRICS, createDcgmCollector, parseDcgmScrape } from "./dcgm";
import type { CollectorStatus, GpuSample } from "./types";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const SCRAPE = fixture("dcgm-exporter__2x-rtx-3090__metrics.txt");

describe("DCGM names", () => {
  test("every metric we read by default is in dcgm-exporter's default counters", () => {
    const defaults = new Set(
      fixture("dcgm-exporter__etc__default-counters.csv")
        .split("\n")
        .filter((line) => line.trim() !== "" && !line.startsWith("#"))
        .map((line) => line.split(",")[0]?.trim()),
    );
    const readByDefault = [
      DCGM_METRICS.utilization,
      DCGM_METRICS.memoryUsed,
      DCGM_METRICS.memoryFree,
      DCGM_METRICS.memoryReserved,
      DCGM_METRICS.temperature,
      DCGM_METRICS.powerDraw,
      DCGM_METRICS.smClock,
    ];
    expect(readByDefault.filter((name) => !defaults.has(name))).toEqual([]);
  });
});

describe("parseDcgmScrape", () => {
  test("one sample per GPU from a default-counters scrape of the lab's two 3090s", () => {
    expect(parseDcgmScrape(SCRAPE, 42)).toEqual([
      {
        index: 0,
        uuid: "GPU-3f2a9c1e-5b7d-4e08-9a61-0c4d2b8e7f10",
        name: "NVIDIA GeForce RTX 3090",
        at: 42,
        utilizationPct: 93,
        memoryUsedMiB: 21406,
        memoryTotalMiB: 24576, // FB_USED + FB_FREE + FB_RESERVED: DCGM has no total by default
        temperatureC: 67,
        powerDrawW: 286.417,
        powerLimitW: null, // not a default counter
        smClockMHz: 1695,
        fanPct: null,
      },
      {
        index: 1,
        uuid: "GPU-8d41b6f2-0e9c-47a3-b215-6e3f9a0c5d27",
        name: "NVIDIA GeForce RTX 3090",
        at: 42,
        utilizationPct: 0,
        memoryUsedMiB: 21072,
        memoryTotalMiB: 24576,
        temperatureC: 41,
        powerDrawW: 31.052,
        powerLimitW: null,
        smClockMHz: 210,
        fanPct: null,
      },
    ]);
  });

  test("optional counters are used when an operator enables them; FB_TOTAL beats the sum", () => {
    const text = [
      'DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-a"} 100',
      'DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-a"} 50',
      'DCGM_FI_DEV_FB_TOTAL{gpu="0",UUID="GPU-a"} 24576',
      'DCGM_FI_DEV_POWER_MGMT_LIMIT{gpu="0",UUID="GPU-a"} 350.000000',
      'DCGM_FI_DEV_FAN_SPEED{gpu="0",UUID="GPU-a"} 41',
    ].join("\n");
    expect(parseDcgmScrape(text, 0)[0]).toMatchObject({ memoryTotalMiB: 24576, powerLimitW: 350, fanPct: 41 });
  });

  test("without FB_FREE the total is unknown, not the used figure", () => {
    expect(parseDcgmScrape('DCGM_FI_DEV_FB_USED{gpu="0"} 100', 0)[0]?.memoryTotalMiB).toBeNull();
  });

  test("orders GPUs by index whatever the scrape order, and ignores non-GPU series", () => {
    const text = [
      'DCGM_FI_DEV_GPU_UTIL{gpu="1"} 5',
      "go_goroutines 12",
      'DCGM_FI_DEV_GPU_UTIL{gpu="0"} 7',
      'DCGM_FI_DEV_GPU_UTIL{UUID="GPU-x"} 9',
    ].join("\n");
    expect(parseDcgmScrape(text, 0).map((sample) => [sample.index, sample.utilizationPct])).toEqual([
      [0, 7],
      [1, 5],
    ]);
  });

  test("pod-mapped duplicates (one series per pod on the same GPU) give one sample with the first value", () => {
    const text = [
      'DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-a",pod="vllm-0"} 20000',
      'DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-a",pod="sidecar"} 20000',
    ].join("\n");
    expect(parseDcgmScrape(text, 0)).toHaveLength(1);
  });

  test("an exporter with no GPU series gives no samples", () => {
    expect(parseDcgmScrape("go_goroutines 12\n", 0)).toEqual([]);
  });
});

describe("createDcgmCollector", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("polls, reports running, and turns an unreachable exporter into `unavailable` until it answers again", async () => {
    vi.useFakeTimers();
    const answers: Array<string | Error> = [SCRAPE, new Error("fetch failed: connect ECONNREFUSED"), SCRAPE];
    const samples: GpuSample[][] = [];
    const statuses: CollectorStatus[] = [];
    const collector = createDcgmCollector({
      url: "http://127.0.0.1:9400/metrics",
      intervalMs: 1000,
      now: () => Date.now(),
      fetchText: async () => {
        const answer = answers.shift() ?? SCRAPE;
        if (answer instanceof Error) throw answer;
        return answer;
      },
      onSample: (tick) => samples.push(tick),
      onStatus: (status) => statuses.push(status),
    });

    await vi.advanceTimersByTimeAsync(0);
    expect(samples).toHaveLength(1);
    expect(samples[0]?.map((sample) => sample.index)).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(samples).toHaveLength(2);
    expect(statuses).toEqual([
      { state: "running" },
      { state: "unavailable", reason: "fetch failed: connect ECONNREFUSED", retryInMs: 1000 },
      { state: "running" },
    ]);
    await collector.stop();
    expect(statuses.at(-1)).toEqual({ state: "stopped" });
    await vi.advanceTimersByTimeAsync(5000);
    expect(samples).toHaveLength(2);
  });

  test("a scrape that hangs is cut off by the timeout", async () => {
    vi.useFakeTimers();
    const statuses: CollectorStatus[] = [];
    const collector = createDcgmCollector({
      url: "http://dcgm:9400/metrics",
      intervalMs: 1000,
      timeoutMs: 300,
      fetchText: (_url, signal) =>
        new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))),
      onSample: () => undefined,
      onStatus: (status) => statuses.push(status),
    });
    await vi.advanceTimersByTimeAsync(300);
    expect(statuses).toEqual([
      { state: "unavailable", reason: "no answer from http://dcgm:9400/metrics within 300 ms", retryInMs: 1000 },
    ]);
    await collector.stop();
  });

  test("an answer without GPU metrics (wrong port) is unavailable, and a throwing consumer does not stop polling", async () => {
    vi.useFakeTimers();
    const statuses: CollectorStatus[] = [];
    let calls = 0;
    const bodies = ["go_goroutines 3\n", SCRAPE, SCRAPE];
    const collector = createDcgmCollector({
      url: "http://127.0.0.1:9400/metrics",
      intervalMs: 1000,
      fetchText: async () => bodies.shift() ?? SCRAPE,
      onSample: () => {
        calls++;
        throw new Error("consumer bug");
      },
      onStatus: (status) => statuses.push(status),
    });
    await vi.advanceTimersByTimeAsync(2000);
    expect(statuses).toEqual([
      { state: "unavailable", reason: "no DCGM GPU metrics in the answer from http://127.0.0.1:9400/metrics", retryInMs: 1000 },
      { state: "running" },
    ]);
    expect(calls).toBe(2);
    await collector.stop();
  });
});
