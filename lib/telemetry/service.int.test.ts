import { afterEach, describe, expect, test } from "vitest";
import { labConfigSchema, type LabConfig } from "@/lib/config/schema";
import { EventBus, type LabBusEvent } from "@/lib/events/bus";
import type { SimulatedGpuLoad } from "@/lib/sim/gpus";
import { pickFreePort } from "@/lib/sim/ports";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import { eventually, postJson } from "@/lib/sim/test-support";
import { createTelemetryService, type BackendRollupRow, type GpuRollupRow, type TelemetryService } from "./service";

// The service as the app runs it in simulated mode: simulated GPUs, a real simulator process scraped over HTTP.

const MAX_NUM_SEQS = 8;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  // Services first (they scrape the simulators), then the processes; every step runs even if one fails.
  const pending = cleanups.splice(0).reverse();
  for (const cleanup of pending) await cleanup().catch(() => undefined);
});

function labConfig(gpuTelemetry: LabConfig["gpuTelemetry"], url: string): LabConfig {
  return labConfigSchema.parse({
    gpuTelemetry,
    backends: { a: { url, servedModel: "qwen2.5-7b-instruct", gpus: [0], sim: { memoryMiB: 20_000, maxNumSeqs: MAX_NUM_SEQS } } },
    modes: { standard: { backends: ["a"] } },
  });
}

async function simulator(): Promise<SimulatorProcess> {
  const sim = await spawnSimulator({ servedModel: "qwen2.5-7b-instruct", maxNumSeqs: MAX_NUM_SEQS, faults: { tokenDelayMs: 20 } });
  cleanups.push(() => sim.stop());
  return sim;
}

function track(service: TelemetryService): TelemetryService {
  cleanups.push(() => service.stop());
  return service;
}

describe("telemetry service against a simulator process", () => {
  test("GPU samples on the bus, running > 0 during a stream, averaged rows persisted", async () => {
    const sim = await simulator();
    const config = labConfig("simulated", sim.url);
    const bus = new EventBus();
    const events: LabBusEvent[] = [];
    bus.subscribe((event) => events.push(event));
    const gpuRows: GpuRollupRow[] = [];
    const backendRows: BackendRollupRow[] = [];

    let service: TelemetryService | null = null;
    // What the lab would pass: the simulated backend's process, busy in proportion to its running sequences.
    const loads = (): SimulatedGpuLoad[] => {
      const running = service?.latestBackend("a")?.sample.running ?? 0;
      return [{ id: "a", gpus: [0], state: "ready", memoryMiB: 20_000, activity: running / MAX_NUM_SEQS }];
    };
    service = track(
      createTelemetryService({
        config: () => config,
        bus,
        simulatedLoads: loads,
        backendsToScrape: () => [{ id: "a", url: sim.url }],
        intervalMs: 200,
        persistEveryMs: 1000,
        persist: { gpu: (rows) => void gpuRows.push(...rows), backend: async (rows) => void backendRows.push(...rows) },
      }),
    );
    service.start();

    const gpuTicks = await eventually(() => {
      const ticks = events.filter((event) => event.type === "gpu_samples");
      return ticks.length >= 3 ? ticks : undefined;
    }, 5000);
    const firstTick = gpuTicks[0];
    expect(firstTick?.type === "gpu_samples" && firstTick.data.samples.map((gpu) => gpu.index)).toEqual([0, 1]);
    expect(service.gpuStatus()).toEqual({ source: "simulated", state: "running" });
    expect(service.gpuMemoryUsedMiB(0)).toBeGreaterThanOrEqual(20_000);
    expect(service.gpuMemoryUsedMiB(1)).toBeLessThan(100);

    await eventually(() => service.latestBackend("a") ?? undefined, 5000);
    const idleUtilization = service.stateFor("a", [0]).gpuUtilizationPct;
    expect(idleUtilization).toBe(0);

    const response = await postJson(sim.url, "/v1/chat/completions", {
      messages: [{ role: "user", content: "Count slowly." }],
      stream: true,
      max_tokens: 400,
      ignore_eos: true,
    });
    const reader = response.body!.getReader();
    await reader.read();
    try {
      const busy = await eventually(() => {
        const sample = service.latestBackend("a")?.sample;
        return sample && (sample.running ?? 0) > 0 ? sample : undefined;
      }, 5000);
      expect(busy.running).toBe(1);
      await eventually(() => {
        const last = events.filter((event) => event.type === "backend_sample").at(-1);
        return last?.type === "backend_sample" && (last.data.running ?? 0) > 0 && (last.data.generationTokensPerSecond ?? 0) > 0 ? true : undefined;
      }, 5000);
      // The simulated GPU follows the backend's load.
      await eventually(() => ((service.stateFor("a", [0]).gpuUtilizationPct ?? 0) > 0 ? true : undefined), 5000);
      expect(service.stateFor("a", [0]).kvCacheUsage).toBeGreaterThan(0);

      // Persisted windows: one row per GPU, with averages from the ring buffer, and one per backend.
      await eventually(() => (backendRows.some((row) => (row.running ?? 0) > 0) && gpuRows.length >= 4 ? true : undefined), 5000);
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    expect(new Set(gpuRows.map((row) => row.gpuIndex))).toEqual(new Set([0, 1]));
    for (const row of gpuRows) {
      expect(row.at).toBeInstanceOf(Date);
      expect(row.memoryTotalMiB).toBe(24_576);
      expect(row.powerDrawW).toBeGreaterThan(20);
    }
    expect(gpuRows.filter((row) => row.gpuIndex === 0).every((row) => (row.memoryUsedMiB ?? 0) >= 20_000)).toBe(true);
    const busyRow = backendRows.find((row) => (row.running ?? 0) > 0);
    expect(busyRow).toMatchObject({ backendId: "a", inFlight: null });
    expect(busyRow?.generationTokensPerSecond).toBeGreaterThan(0);

    // The client went away: the simulator aborts the request and the next scrapes show it idle again.
    await eventually(() => (service.latestBackend("a")?.sample.running === 0 ? true : undefined), 5000);
    expect(service.energyWh([0], Date.now() - 1000, Date.now())).toBeGreaterThan(0);
  });

  test("nvidia-smi missing: GPU status unavailable with the reason, backends still scraped", async () => {
    const sim = await simulator();
    const deadPort = await pickFreePort();
    const service = track(
      createTelemetryService({
        config: () => labConfig("nvidia-smi", sim.url),
        bus: new EventBus(),
        simulatedLoads: () => [],
        backendsToScrape: () => [
          { id: "a", url: sim.url },
          { id: "gone", url: `http://127.0.0.1:${deadPort}` },
        ],
        intervalMs: 200,
        nvidiaSmiCommand: "/nonexistent/nvidia-smi",
        log: () => undefined,
      }),
    );
    service.start();

    const status = await eventually(() => {
      const current = service.gpuStatus();
      return current.state === "unavailable" && current.reason?.includes("ENOENT") ? current : undefined;
    }, 5000);
    expect(status.source).toBe("nvidia-smi");
    expect(service.latestGpus()).toEqual([]);
    expect(service.gpuMemoryUsedMiB(0)).toBeNull();

    await eventually(() => service.latestBackend("a") ?? undefined, 5000);
    await eventually(() => (service.backendStatus("gone")?.state === "unavailable" ? true : undefined), 5000);
    expect(service.latestBackend("gone")).toBeNull();
    expect(service.stateFor("a", [0])).toMatchObject({ gpuUtilizationPct: null, backendQueueDepth: 0 });
  });
});
