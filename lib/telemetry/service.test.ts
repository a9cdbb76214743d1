import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { labConfigSchema, type LabConfig } from "@/lib/config/schema";
import { EventBus, type LabBusEvent, type LabEventMap, type LabEventName } from "@/lib/events/bus";
import type { SimulatedGpuLoad } from "@/lib/sim/gpus";
import type { DcgmCollectorOptions } from "./dcgm";
import type { Histogram } from "./histogram";
import type { NvidiaSmiCollectorOptions } from "./nvidia-smi-collector";
import {
  createTelemetryService,
  metricsUrl,
  type BackendRollupRow,
  type GpuRollupRow,
  type TelemetryService,
  type TelemetryServiceOptions,
} from "./service";
import type { GpuSample } from "./types";
import type { BackendMetricsSample, VllmMetricsCollectorOptions } from "./vllm-metrics";

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function labConfig(gpuTelemetry: LabConfig["gpuTelemetry"]): LabConfig {
  return labConfigSchema.parse({
    gpuTelemetry,
    backends: { a: { url: "http://127.0.0.1:8001", servedModel: "m", gpus: [0] } },
    modes: { standard: { backends: ["a"] } },
  });
}

/** Collector factories that hand control of every collector to the test. */
function fakeCollectors() {
  const vllm = new Map<string, VllmMetricsCollectorOptions & { stopped: boolean }>();
  const nvidiaSmi: Array<NvidiaSmiCollectorOptions & { stopped: boolean }> = [];
  const dcgm: Array<DcgmCollectorOptions & { stopped: boolean }> = [];
  return {
    vllm,
    nvidiaSmi,
    dcgm,
    factories: {
      vllm(options: VllmMetricsCollectorOptions) {
        const entry = { ...options, stopped: false };
        vllm.set(options.url, entry);
        return { stop: async () => void (entry.stopped = true) };
      },
      nvidiaSmi(options: NvidiaSmiCollectorOptions) {
        const entry = { ...options, stopped: false };
        nvidiaSmi.push(entry);
        return { stop: async () => void (entry.stopped = true) };
      },
      dcgm(options: DcgmCollectorOptions) {
        const entry = { ...options, stopped: false };
        dcgm.push(entry);
        return { stop: async () => void (entry.stopped = true) };
      },
    },
  };
}

function ttft(observations: number[]): Histogram {
  const bounds = [0.05, 0.1, 0.25, 0.5, 1, Infinity];
  return {
    buckets: bounds.map((le) => [le, observations.filter((value) => value <= le).length]),
    sum: observations.reduce((a, b) => a + b, 0),
    count: observations.length,
  };
}

function vllmSample(at: number, fields: Partial<BackendMetricsSample> = {}): BackendMetricsSample {
  return {
    at,
    modelName: "m",
    running: 0,
    waiting: 0,
    kvCacheUsage: 0,
    promptTokensTotal: 0,
    generationTokensTotal: 0,
    requestSuccessTotal: {},
    preemptionsTotal: 0,
    prefixCacheQueriesTotal: 0,
    prefixCacheHitsTotal: 0,
    ttftHistogram: ttft([]),
    interTokenHistogram: null,
    e2eLatencyHistogram: null,
    queueTimeHistogram: null,
    ...fields,
  };
}

function gpuSample(index: number, at: number, fields: Partial<GpuSample> = {}): GpuSample {
  return {
    index,
    at,
    utilizationPct: 50,
    memoryUsedMiB: 1000,
    memoryTotalMiB: 24_576,
    temperatureC: 50,
    powerDrawW: 200,
    powerLimitW: 350,
    smClockMHz: 1800,
    fanPct: 40,
    ...fields,
  };
}

const services: TelemetryService[] = [];

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop()));
  vi.useRealTimers();
});

function harness(overrides: Partial<TelemetryServiceOptions> & { gpuTelemetry?: LabConfig["gpuTelemetry"] } = {}) {
  let config = labConfig(overrides.gpuTelemetry ?? "simulated");
  let loads: SimulatedGpuLoad[] = [];
  let backends: { id: string; url: string }[] = [];
  const bus = new EventBus();
  const events: LabBusEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const fakes = fakeCollectors();
  const logged: string[] = [];
  const service = createTelemetryService({
    config: () => config,
    bus,
    simulatedLoads: () => loads,
    backendsToScrape: () => backends,
    collectors: fakes.factories,
    log: (message) => logged.push(message),
    ...overrides,
  });
  services.push(service);
  return {
    service,
    events,
    fakes,
    logged,
    setGpuTelemetry(source: LabConfig["gpuTelemetry"]) {
      config = labConfig(source);
    },
    setLoads(next: SimulatedGpuLoad[]) {
      loads = next;
    },
    setBackends(next: { id: string; url: string }[]) {
      backends = next;
    },
    ofType<K extends LabEventName>(type: K): LabEventMap[K][] {
      return events.filter((event) => event.type === type).map((event) => event.data as LabEventMap[K]);
    },
  };
}

describe("telemetry service: simulated GPUs", () => {
  test("samples the simulated GPUs every interval and publishes each tick", async () => {
    const h = harness();
    h.service.start();
    expect(h.service.gpuStatus()).toEqual({ source: "simulated", state: "running" });
    await vi.advanceTimersByTimeAsync(5000);
    const ticks = h.ofType("gpu_samples");
    expect(ticks).toHaveLength(6); // at start, then every second
    expect(ticks.every((tick) => tick.samples.length === 2)).toBe(true);
    expect(h.service.latestGpus().map((gpu) => gpu.index)).toEqual([0, 1]);
    expect(h.service.latestGpus()[0]?.at).toBe(T0 + 5000);
    expect(h.service.gpuHistory(0, T0 + 2500).map((gpu) => gpu.at)).toEqual([T0 + 3000, T0 + 4000, T0 + 5000]);
    expect(h.service.gpuHistory(7, 0)).toEqual([]);
  });

  test("the history keeps about 15 minutes", async () => {
    const h = harness();
    h.service.start();
    await vi.advanceTimersByTimeAsync(20 * 60_000);
    const history = h.service.gpuHistory(0, 0);
    expect(history.length).toBe(900);
    expect(history[0]?.at).toBe(T0 + 20 * 60_000 - 899_000);
  });

  test("memory follows the simulated loads and its release is observable", async () => {
    const h = harness();
    h.setLoads([{ id: "qwen-32b", gpus: [0, 1], state: "ready", memoryMiB: 21_000, activity: 0.5 }]);
    h.service.start();
    expect(h.service.gpuMemoryUsedMiB(0)).toBeGreaterThanOrEqual(21_000);
    expect(h.service.gpuMemoryUsedMiB(1)).toBeGreaterThanOrEqual(21_000);
    expect(h.service.stateFor("qwen-32b", [0, 1]).gpuUtilizationPct).toBeGreaterThan(50);

    h.setLoads([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.service.gpuMemoryUsedMiB(0)).toBeGreaterThanOrEqual(21_000); // the driver has not freed it yet
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.service.gpuMemoryUsedMiB(0)).toBeLessThan(100);
    expect(h.service.gpuMemoryUsedMiB(1)).toBeLessThan(100);
    expect(h.service.gpuMemoryUsedMiB(5)).toBeNull();
    // The total the lab's memory check divides by (lib/lab/gpu-memory-need.ts): the simulated 3090's 24 GiB.
    expect(h.service.gpuMemoryTotalMiB(0)).toBe(24_576);
    expect(h.service.gpuMemoryTotalMiB(5)).toBeNull();
  });

  test("a failing simulatedLoads() keeps the last loads instead of releasing memory", async () => {
    let fail = false;
    const loads: SimulatedGpuLoad[] = [{ id: "a", gpus: [0], state: "ready", memoryMiB: 20_000, activity: 0 }];
    const h = harness({
      simulatedLoads: () => {
        if (fail) throw new Error("lab not ready");
        return loads;
      },
    });
    h.service.start();
    fail = true;
    await vi.advanceTimersByTimeAsync(3000);
    expect(h.service.gpuMemoryUsedMiB(0)).toBeGreaterThanOrEqual(20_000);
    expect(h.logged.some((line) => line.includes("simulatedLoads"))).toBe(true);
  });
});

describe("telemetry service: GPU sources", () => {
  test("switches collectors when gpuTelemetry changes", async () => {
    const h = harness({ nvidiaSmiCommand: "/opt/bin/nvidia-smi", dcgmUrl: "http://10.0.0.5:9400/metrics" });
    h.service.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.service.latestGpus()).toHaveLength(2);

    h.setGpuTelemetry("nvidia-smi");
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.fakes.nvidiaSmi).toHaveLength(1);
    const smi = h.fakes.nvidiaSmi[0]!;
    expect(smi.command).toBe("/opt/bin/nvidia-smi");
    expect(h.service.gpuStatus()).toMatchObject({ source: "nvidia-smi", state: "unavailable" });
    expect(h.service.latestGpus()).toEqual([]); // the simulated readings are not passed off as nvidia-smi's
    smi.onStatus({ state: "running" });
    smi.onSample([gpuSample(0, Date.now(), { memoryUsedMiB: 123 }), gpuSample(1, Date.now())]);
    expect(h.service.gpuStatus()).toEqual({ source: "nvidia-smi", state: "running" });
    expect(h.service.gpuMemoryUsedMiB(0)).toBe(123);
    expect(h.ofType("gpu_samples").at(-1)?.samples[0]?.memoryUsedMiB).toBe(123);

    h.setGpuTelemetry("dcgm");
    await vi.advanceTimersByTimeAsync(1000);
    expect(smi.stopped).toBe(true);
    expect(h.fakes.dcgm[0]?.url).toBe("http://10.0.0.5:9400/metrics");
    const published = h.ofType("gpu_samples").length;
    smi.onSample([gpuSample(0, Date.now(), { memoryUsedMiB: 999 })]); // a late tick from the old collector
    expect(h.ofType("gpu_samples")).toHaveLength(published);
    expect(h.service.gpuMemoryUsedMiB(0)).toBeNull();

    h.setGpuTelemetry("none");
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.fakes.dcgm[0]?.stopped).toBe(true);
    expect(h.service.gpuStatus()).toMatchObject({ source: "none", state: "stopped" });
    expect(h.service.latestGpus()).toEqual([]);
    // History from before the switch is still there for the charts.
    expect(h.service.gpuHistory(0, T0).length).toBeGreaterThan(0);
  });

  test("nvidia-smi missing: status unavailable with the reason, backends still scraped", async () => {
    const h = harness({ gpuTelemetry: "nvidia-smi" });
    h.setBackends([{ id: "a", url: "http://127.0.0.1:8001" }]);
    h.service.start();
    const reason = "nvidia-smi not found (ENOENT): is the NVIDIA driver installed?";
    h.fakes.nvidiaSmi[0]!.onStatus({ state: "unavailable", reason, retryInMs: 1000 });
    expect(h.service.gpuStatus()).toEqual({ source: "nvidia-smi", state: "unavailable", reason });
    expect(h.service.gpuMemoryUsedMiB(0)).toBeNull();
    expect(h.service.energyWh([0], T0, T0 + 1000)).toBeNull();

    h.fakes.vllm.get("http://127.0.0.1:8001/metrics")!.onSample(vllmSample(Date.now(), { running: 2, waiting: 1, kvCacheUsage: 0.3 }));
    expect(h.service.stateFor("a", [0])).toEqual({ gpuUtilizationPct: null, kvCacheUsage: 0.3, backendQueueDepth: 1 });
  });

  test("readings stop counting as current once the collector goes quiet", async () => {
    const h = harness({ gpuTelemetry: "nvidia-smi" });
    h.service.start();
    h.fakes.nvidiaSmi[0]!.onSample([gpuSample(0, Date.now(), { memoryUsedMiB: 30 })]);
    expect(h.service.gpuMemoryUsedMiB(0)).toBe(30);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.service.gpuMemoryUsedMiB(0)).toBeNull();
    expect(h.service.latestGpus()[0]?.memoryUsedMiB).toBe(30);
  });

  test("stop() stops the collector and reports stopped", async () => {
    const h = harness({ gpuTelemetry: "dcgm" });
    h.service.start();
    await h.service.stop();
    expect(h.fakes.dcgm[0]?.stopped).toBe(true);
    expect(h.service.gpuStatus().state).toBe("stopped");
    const ticks = h.ofType("gpu_samples").length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.ofType("gpu_samples")).toHaveLength(ticks);
  });
});

describe("telemetry service: backends", () => {
  test("scrapes the backends of the moment, /metrics of each base URL", async () => {
    const h = harness();
    h.setBackends([
      { id: "a", url: "http://127.0.0.1:8001" },
      { id: "b", url: "http://127.0.0.1:8002/" },
    ]);
    h.service.start();
    expect([...h.fakes.vllm.keys()]).toEqual(["http://127.0.0.1:8001/metrics", "http://127.0.0.1:8002/metrics"]);
    const a = h.fakes.vllm.get("http://127.0.0.1:8001/metrics")!;
    const b = h.fakes.vllm.get("http://127.0.0.1:8002/metrics")!;

    h.setBackends([{ id: "c", url: "http://127.0.0.1:8003" }]); // a mode switch
    await vi.advanceTimersByTimeAsync(1000);
    expect(a.stopped && b.stopped).toBe(true);
    expect(h.fakes.vllm.get("http://127.0.0.1:8003/metrics")?.stopped).toBe(false);
    a.onSample(vllmSample(Date.now(), { running: 9 })); // too late: not recorded
    expect(h.service.latestBackend("a")).toBeNull();
  });

  test("an unreachable backend is no data, with the reason in its status", async () => {
    const h = harness();
    h.setBackends([{ id: "a", url: "http://127.0.0.1:8001" }]);
    h.service.start();
    h.fakes.vllm.get("http://127.0.0.1:8001/metrics")!.onStatus({ state: "unavailable", reason: "fetch failed: connect ECONNREFUSED", retryInMs: 1000 });
    expect(h.service.latestBackend("a")).toBeNull();
    expect(h.service.backendStatus("a")).toMatchObject({ state: "unavailable", reason: expect.stringContaining("ECONNREFUSED") });
    expect(h.service.stateFor("a", [])).toEqual({ gpuUtilizationPct: null, kvCacheUsage: null, backendQueueDepth: null });
  });

  test("token rates between the last two scrapes, TTFT percentiles over the last 5 minutes", async () => {
    const h = harness();
    h.setBackends([{ id: "a", url: "http://127.0.0.1:8001" }]);
    h.service.start();
    const scrape = h.fakes.vllm.get("http://127.0.0.1:8001/metrics")!;

    scrape.onSample(vllmSample(T0, { promptTokensTotal: 1000, generationTokensTotal: 500, ttftHistogram: ttft([2, 2, 2]) }));
    expect(h.service.latestBackend("a")).toMatchObject({ promptTokensPerSecond: null, generationTokensPerSecond: null, ttftP50Ms: null });

    await vi.advanceTimersByTimeAsync(2000);
    scrape.onSample(
      vllmSample(T0 + 2000, {
        running: 3,
        promptTokensTotal: 1400,
        generationTokensTotal: 580,
        ttftHistogram: ttft([2, 2, 2, 0.03, 0.03, 0.07, 0.07]),
      }),
    );
    const latest = h.service.latestBackend("a")!;
    expect(latest.promptTokensPerSecond).toBeCloseTo(200);
    expect(latest.generationTokensPerSecond).toBeCloseTo(40);
    // Only the 4 requests observed since the first scrape count, not the slow ones from before.
    expect(latest.ttftP50Ms).toBeCloseTo(50);
    expect(latest.ttftP95Ms).toBeGreaterThan(50);
    expect(latest.ttftP95Ms).toBeLessThanOrEqual(100);
    expect(h.ofType("backend_sample").at(-1)).toEqual({
      backendId: "a",
      at: T0 + 2000,
      running: 3,
      waiting: 0,
      kvCacheUsage: 0,
      generationTokensPerSecond: 40,
      ttftP50Ms: latest.ttftP50Ms,
      ttftP95Ms: latest.ttftP95Ms,
    });

    // Six minutes on, steady scrapes with nothing new: the old observations leave the window.
    for (let t = 3000; t <= 6 * 60_000; t += 1000) {
      await vi.advanceTimersByTimeAsync(1000);
      scrape.onSample(vllmSample(T0 + t, { promptTokensTotal: 1400, generationTokensTotal: 580, ttftHistogram: ttft([2, 2, 2, 0.03, 0.03, 0.07, 0.07]) }));
    }
    expect(h.service.latestBackend("a")).toMatchObject({ promptTokensPerSecond: 0, ttftP50Ms: null, ttftP95Ms: null });
    expect(h.service.backendHistory("a", T0 + 6 * 60_000 - 2500)).toHaveLength(3);
  });

  test("a restarted backend's counters restart from zero without a negative rate", async () => {
    const h = harness();
    h.setBackends([{ id: "a", url: "http://127.0.0.1:8001" }]);
    h.service.start();
    const scrape = h.fakes.vllm.get("http://127.0.0.1:8001/metrics")!;
    scrape.onSample(vllmSample(T0, { generationTokensTotal: 90_000 }));
    await vi.advanceTimersByTimeAsync(1000);
    scrape.onSample(vllmSample(T0 + 1000, { generationTokensTotal: 25 }));
    expect(h.service.latestBackend("a")?.generationTokensPerSecond).toBeCloseTo(25);
  });

  test("stateFor: average utilization of the backend's GPUs, its KV cache and queue", async () => {
    const h = harness({ gpuTelemetry: "nvidia-smi" });
    h.setBackends([{ id: "a", url: "http://127.0.0.1:8001" }]);
    h.service.start();
    h.fakes.nvidiaSmi[0]!.onSample([gpuSample(0, T0, { utilizationPct: 90 }), gpuSample(1, T0, { utilizationPct: 30 })]);
    h.fakes.vllm.get("http://127.0.0.1:8001/metrics")!.onSample(vllmSample(T0, { kvCacheUsage: 0.42, waiting: 5 }));
    expect(h.service.stateFor("a", [0, 1])).toEqual({ gpuUtilizationPct: 60, kvCacheUsage: 0.42, backendQueueDepth: 5 });
    expect(h.service.stateFor("a", [1]).gpuUtilizationPct).toBe(30);
    expect(h.service.stateFor("other", [0])).toEqual({ gpuUtilizationPct: 90, kvCacheUsage: null, backendQueueDepth: null });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(h.service.stateFor("a", [0, 1])).toEqual({ gpuUtilizationPct: null, kvCacheUsage: null, backendQueueDepth: null });
  });
});

describe("telemetry service: energy", () => {
  test("integrates each GPU's power over the window and adds the GPUs", async () => {
    const h = harness({ gpuTelemetry: "nvidia-smi" });
    h.service.start();
    const smi = h.fakes.nvidiaSmi[0]!;
    for (let s = 0; s <= 60; s++) {
      smi.onSample([gpuSample(0, T0 + s * 1000, { powerDrawW: 300 }), gpuSample(1, T0 + s * 1000, { powerDrawW: 100 })]);
    }
    vi.setSystemTime(T0 + 60_000);
    expect(h.service.energyWh([0], T0, T0 + 36_000)).toBeCloseTo(3, 6); // 300 W x 36 s
    expect(h.service.energyWh([0, 1], T0, T0 + 36_000)).toBeCloseTo(4, 6);
    expect(h.service.energyWh([0, 0], T0, T0 + 36_000)).toBeCloseTo(3, 6); // a GPU counts once
    expect(h.service.energyWh([0], T0 + 59_700, T0 + 60_000)).toBeCloseTo((300 * 0.3) / 3600, 9);
    expect(h.service.energyWh([0, 3], T0, T0 + 36_000)).toBeNull(); // GPU 3 has no data: not a partial sum
    expect(h.service.energyWh([], T0, T0 + 36_000)).toBeNull();
  });

  test("simulated GPUs under load use more energy than idle ones", async () => {
    const h = harness();
    h.setLoads([{ id: "a", gpus: [0], state: "ready", memoryMiB: 20_000, activity: 1 }]);
    h.service.start();
    await vi.advanceTimersByTimeAsync(30_000);
    const busy = h.service.energyWh([0], T0, T0 + 30_000)!;
    const idle = h.service.energyWh([1], T0, T0 + 30_000)!;
    expect(busy).toBeGreaterThan(idle * 5);
    expect(busy).toBeLessThanOrEqual((350 * 30) / 3600);
  });
});

describe("telemetry service: per-request energy", () => {
  test("a request's share is settled at the GPU reading after it ended; the totals split measured into idle and requests", async () => {
    const h = harness({ gpuTelemetry: "nvidia-smi" });
    h.service.start();
    const smi = h.fakes.nvidiaSmi[0]!;
    smi.onSample([gpuSample(0, Date.now(), { powerDrawW: 360 })]);
    await vi.advanceTimersByTimeAsync(500);
    h.service.requestStarted("r1", [0]);
    await vi.advanceTimersByTimeAsync(1000);
    h.service.requestEnded("r1");
    const settled: (number | null)[] = [];
    h.service.whenEnergySettled("r1", (wh) => settled.push(wh));
    expect(settled).toEqual([]);
    smi.onSample([gpuSample(0, Date.now() + 500, { powerDrawW: 360 })]);
    expect(settled).toEqual([expect.closeTo((360 * 1) / 3600, 9)]);
    expect(h.service.energyTotals()).toMatchObject({ measuredWh: expect.closeTo((360 * 2) / 3600, 9), idleWh: expect.closeTo(360 / 3600, 9), upToMs: T0 + 2000 });
  });

  test("a collector that goes quiet does not hold a request's row: it settles as unknown", async () => {
    const h = harness({ gpuTelemetry: "nvidia-smi" });
    h.service.start();
    h.fakes.nvidiaSmi[0]!.onSample([gpuSample(0, Date.now(), { powerDrawW: 200 })]);
    h.service.requestStarted("r1", [0]);
    await vi.advanceTimersByTimeAsync(200);
    h.service.requestEnded("r1");
    const settled: (number | null)[] = [];
    h.service.whenEnergySettled("r1", (wh) => settled.push(wh));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(settled).toEqual([null]);
  });

  test("stop() settles what ended since the last reading, holding that reading's power", async () => {
    const h = harness({ gpuTelemetry: "nvidia-smi" });
    h.service.start();
    h.fakes.nvidiaSmi[0]!.onSample([gpuSample(0, Date.now(), { powerDrawW: 100 })]);
    h.service.requestStarted("r1", [0]);
    await vi.advanceTimersByTimeAsync(300);
    h.service.requestEnded("r1");
    const settled: (number | null)[] = [];
    h.service.whenEnergySettled("r1", (wh) => settled.push(wh));
    await h.service.stop();
    expect(settled).toEqual([expect.closeTo((100 * 0.3) / 3600, 9)]);
  });

  test("without GPU telemetry a request settles at once, its energy unknown", () => {
    const h = harness({ gpuTelemetry: "none" });
    h.service.start();
    h.service.requestStarted("r1", [0]);
    h.service.requestEnded("r1");
    const settled: (number | null)[] = [];
    h.service.whenEnergySettled("r1", (wh) => settled.push(wh));
    h.service.whenEnergySettled("never-ran", (wh) => settled.push(wh));
    expect(settled).toEqual([null, null]);
  });
});

describe("telemetry service: persistence", () => {
  test("every persistEveryMs, writes one averaged row per GPU and per backend", async () => {
    const gpuRows: GpuRollupRow[][] = [];
    const backendRows: BackendRollupRow[][] = [];
    const h = harness({
      gpuTelemetry: "nvidia-smi",
      persistEveryMs: 10_000,
      persist: { gpu: (rows) => void gpuRows.push(rows), backend: async (rows) => void backendRows.push(rows) },
    });
    h.setBackends([{ id: "a", url: "http://127.0.0.1:8001" }]);
    h.service.start();
    const smi = h.fakes.nvidiaSmi[0]!;
    const scrape = h.fakes.vllm.get("http://127.0.0.1:8001/metrics")!;
    for (let s = 1; s <= 10; s++) {
      await vi.advanceTimersByTimeAsync(s === 10 ? 999 : 1000);
      const at = Date.now();
      smi.onSample([gpuSample(0, at, { utilizationPct: s % 2 === 0 ? 80 : 40, temperatureC: null }), gpuSample(1, at, { utilizationPct: 0 })]);
      scrape.onSample(vllmSample(at, { running: s <= 5 ? 2 : 4, generationTokensTotal: 100 * s, ttftHistogram: ttft(Array(s).fill(0.2)) }));
    }
    await vi.advanceTimersByTimeAsync(1);
    expect(gpuRows).toHaveLength(1);
    const [gpu0, gpu1] = gpuRows[0]!;
    expect(gpu0).toMatchObject({ at: new Date(T0 + 10_000), gpuIndex: 0, utilizationPct: 60, memoryUsedMiB: 1000, temperatureC: null, powerDrawW: 200 });
    expect(gpu1).toMatchObject({ gpuIndex: 1, utilizationPct: 0 });
    expect(backendRows).toHaveLength(1);
    expect(backendRows[0]).toEqual([
      {
        at: new Date(T0 + 10_000),
        backendId: "a",
        running: 3,
        waiting: 0,
        kvCacheUsage: 0,
        promptTokensPerSecond: 0,
        generationTokensPerSecond: expect.closeTo(900 / 8.999, 6),
        ttftP50Ms: expect.closeTo(175, 6), // 9 new observations, all in the (0.1, 0.25] bucket
        ttftP95Ms: expect.any(Number),
        inFlight: null,
      },
    ]);

    // The next window starts where this one ended: its rate counts from the last scrape before it.
    await vi.advanceTimersByTimeAsync(1000);
    scrape.onSample(vllmSample(Date.now(), { generationTokensTotal: 1100, ttftHistogram: ttft(Array(10).fill(0.2)) }));
    await vi.advanceTimersByTimeAsync(9000);
    expect(backendRows[1]?.[0]?.generationTokensPerSecond).toBeCloseTo(100 / 1.001, 6); // scraped at 9.999 s and 11 s
    expect(gpuRows).toHaveLength(1); // no GPU samples in that window, no GPU row
  });

  test("a failing write is logged and counted, and the service carries on", async () => {
    let calls = 0;
    const h = harness({
      persistEveryMs: 5000,
      persist: {
        gpu: async () => {
          calls++;
          if (calls === 1) throw new Error("database is locked");
        },
        backend: () => undefined,
      },
    });
    h.service.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.service.persistStats()).toMatchObject({ failures: 1, gpuRows: 0, lastError: "database is locked" });
    expect(h.logged.some((line) => line.includes("failed"))).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.service.persistStats()).toMatchObject({ failures: 1, gpuRows: 2 });
    expect(h.ofType("gpu_samples").length).toBeGreaterThanOrEqual(10);
  });

  test("stop() writes the last partial window", async () => {
    const gpuRows: GpuRollupRow[] = [];
    const h = harness({ persistEveryMs: 10_000, persist: { gpu: (rows) => void gpuRows.push(...rows), backend: () => undefined } });
    h.service.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(gpuRows).toEqual([]);
    await h.service.stop();
    expect(gpuRows.map((row) => row.gpuIndex)).toEqual([0, 1]);
    expect(gpuRows[0]?.at).toEqual(new Date(T0 + 3000));
  });
});

test("metricsUrl appends /metrics to a base URL", () => {
  expect(metricsUrl("http://127.0.0.1:8001")).toBe("http://127.0.0.1:8001/metrics");
  expect(metricsUrl("http://gpu-box:8001/")).toBe("http://gpu-box:8001/metrics");
  expect(metricsUrl("http://gpu-box:8001/metrics")).toBe("http://gpu-box:8001/metrics");
});
