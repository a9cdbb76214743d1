import { Registry } from "prom-client";
import { describe, expect, test } from "vitest";
import type { EnergyTotals } from "@/lib/telemetry/energy-ledger";
import type { GpuSample } from "@/lib/telemetry/types";
import { registerLabMetrics, type BackendMetricsView, type LabMetricsSources } from "./lab-metrics";

const NOW = 1_000_000;

function gpu(index: number, readings: Partial<GpuSample> = {}): GpuSample {
  return {
    index,
    name: "NVIDIA GeForce RTX 3090",
    uuid: `GPU-${index}`,
    at: NOW - 500,
    utilizationPct: 50,
    memoryUsedMiB: 1024,
    memoryTotalMiB: 24576,
    temperatureC: 61,
    powerDrawW: 280.5,
    powerLimitW: 350,
    smClockMHz: 1695,
    fanPct: 40,
    ...readings,
  };
}

function backend(id: string, view: Partial<BackendMetricsView> = {}): BackendMetricsView {
  return { id, inMode: true, admitting: true, health: "ready", asleepLevel: null, engine: { at: NOW - 500, running: 2, waiting: 1, kvCacheUsage: 0.25 }, ...view };
}

const noEnergy: EnergyTotals = { gpus: [], measuredWh: 0, idleWh: 0, requestsWh: 0, unattributedWh: 0, upToMs: null };

function sources(overrides: Partial<LabMetricsSources> = {}): LabMetricsSources {
  return {
    modes: () => ["standard", "deep"],
    currentMode: () => "standard",
    operation: () => null,
    backends: () => [backend("qwen-7b"), backend("qwen-32b", { inMode: false, health: "unknown", engine: null })],
    gpuTelemetry: () => ({ source: "nvidia-smi", running: true }),
    gpus: () => [gpu(0), gpu(1)],
    energy: () => noEnergy,
    staleAfterMs: 5_000,
    now: () => NOW,
    ...overrides,
  };
}

/** The page's samples as "series value" pairs. */
async function scrape(lab: LabMetricsSources): Promise<Map<string, number>> {
  const registry = new Registry();
  registerLabMetrics(registry, lab);
  const text = await registry.metrics();
  return new Map(
    text
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => {
        const at = line.lastIndexOf(" ");
        return [line.slice(0, at), Number(line.slice(at + 1))] as const;
      }),
  );
}

describe("the lab on /metrics", () => {
  test("the current mode is 1, every other configured mode 0; no operation runs", async () => {
    const page = await scrape(sources());
    expect(page.get('switchyard_mode_active{mode="standard"}')).toBe(1);
    expect(page.get('switchyard_mode_active{mode="deep"}')).toBe(0);
    expect(page.get('switchyard_lab_operation_running{kind="mode_switch"}')).toBe(0);
    expect(page.get('switchyard_lab_operation_running{kind="restart"}')).toBe(0);
  });

  test("a mode switch shows while it runs; a mode no longer in the config still shows while it is current", async () => {
    const page = await scrape(sources({ modes: () => ["deep"], operation: () => "mode_switch" }));
    expect(page.get('switchyard_mode_active{mode="standard"}')).toBe(1);
    expect(page.get('switchyard_mode_active{mode="deep"}')).toBe(0);
    expect(page.get('switchyard_lab_operation_running{kind="mode_switch"}')).toBe(1);
  });

  test("backends: up when ready, their health as a state set, mode membership, admission and engine readings", async () => {
    const page = await scrape(
      sources({ backends: () => [backend("qwen-7b", { admitting: false }), backend("qwen-32b", { inMode: false, health: "down", engine: null })] }),
    );
    expect(page.get('switchyard_backend_up{backend="qwen-7b"}')).toBe(1);
    expect(page.get('switchyard_backend_up{backend="qwen-32b"}')).toBe(0);
    expect(page.get('switchyard_backend_in_mode{backend="qwen-32b"}')).toBe(0);
    expect(page.get('switchyard_backend_admitting{backend="qwen-7b"}')).toBe(0);
    expect(page.get('switchyard_backend_health_state{backend="qwen-32b",state="down"}')).toBe(1);
    expect(page.get('switchyard_backend_health_state{backend="qwen-32b",state="ready"}')).toBe(0);
    expect(page.get('switchyard_backend_engine_requests_running{backend="qwen-7b"}')).toBe(2);
    expect(page.get('switchyard_backend_engine_requests_waiting{backend="qwen-7b"}')).toBe(1);
    expect(page.get('switchyard_backend_kv_cache_usage_ratio{backend="qwen-7b"}')).toBe(0.25);
    expect(page.has('switchyard_backend_kv_cache_usage_ratio{backend="qwen-32b"}')).toBe(false);
  });

  test("an engine asleep on purpose is 1 on switchyard_backend_asleep, whatever its level; an awake or stopped one 0", async () => {
    const page = await scrape(
      sources({ backends: () => [backend("qwen-7b", { inMode: false, health: "unknown", asleepLevel: 1, engine: null }), backend("qwen-14b", { inMode: false, asleepLevel: 2 }), backend("qwen-32b")] }),
    );
    expect(page.get('switchyard_backend_asleep{backend="qwen-7b"}')).toBe(1);
    expect(page.get('switchyard_backend_asleep{backend="qwen-14b"}')).toBe(1);
    expect(page.get('switchyard_backend_asleep{backend="qwen-32b"}')).toBe(0);
  });

  test("GPU readings in base units: ratios, bytes, watts, celsius, hertz", async () => {
    const page = await scrape(sources());
    expect(page.get('switchyard_gpu_utilization_ratio{gpu="1"}')).toBe(0.5);
    expect(page.get('switchyard_gpu_memory_used_bytes{gpu="0"}')).toBe(1024 * 1024 * 1024);
    expect(page.get('switchyard_gpu_memory_total_bytes{gpu="0"}')).toBe(24576 * 1024 * 1024);
    expect(page.get('switchyard_gpu_power_draw_watts{gpu="0"}')).toBe(280.5);
    expect(page.get('switchyard_gpu_power_limit_watts{gpu="0"}')).toBe(350);
    expect(page.get('switchyard_gpu_temperature_celsius{gpu="0"}')).toBe(61);
    expect(page.get('switchyard_gpu_sm_clock_hertz{gpu="0"}')).toBe(1_695_000_000);
    expect(page.get('switchyard_gpu_fan_speed_ratio{gpu="0"}')).toBe(0.4);
    expect(page.get('switchyard_gpu_info{gpu="0",name="NVIDIA GeForce RTX 3090",uuid="GPU-0"}')).toBe(1);
    expect(page.get('switchyard_gpu_telemetry_up{source="nvidia-smi"}')).toBe(1);
  });

  test("an unknown reading has no series (not a 0); stale GPUs and engine readings are left out", async () => {
    const page = await scrape(
      sources({
        gpus: () => [gpu(0, { powerDrawW: null, fanPct: null }), gpu(1, { at: NOW - 6_000 })],
        backends: () => [backend("qwen-7b", { engine: { at: NOW - 6_000, running: 2, waiting: 0, kvCacheUsage: 0.1 } })],
      }),
    );
    expect(page.has('switchyard_gpu_power_draw_watts{gpu="0"}')).toBe(false);
    expect(page.has('switchyard_gpu_fan_speed_ratio{gpu="0"}')).toBe(false);
    expect(page.get('switchyard_gpu_temperature_celsius{gpu="0"}')).toBe(61);
    expect([...page.keys()].filter((series) => series.includes('gpu="1"'))).toEqual([]);
    expect(page.has('switchyard_backend_engine_requests_running{backend="qwen-7b"}')).toBe(false);
    expect(page.get('switchyard_backend_up{backend="qwen-7b"}')).toBe(1);
  });

  test("energy since start in joules, per GPU: all, idle, charged to requests, unattributed", async () => {
    const energy: EnergyTotals = {
      ...noEnergy,
      gpus: [
        { gpu: 0, measuredWh: 2, idleWh: 0.5, requestsWh: 1.5, unattributedWh: 0.25, upToMs: NOW },
        { gpu: 1, measuredWh: 1, idleWh: 1, requestsWh: 0, unattributedWh: 0, upToMs: NOW },
      ],
    };
    const page = await scrape(sources({ energy: () => energy }));
    expect(page.get('switchyard_gpu_energy_joules_total{gpu="0"}')).toBe(7200);
    expect(page.get('switchyard_gpu_energy_idle_joules_total{gpu="0"}')).toBe(1800);
    expect(page.get('switchyard_gpu_energy_requests_joules_total{gpu="0"}')).toBe(5400);
    expect(page.get('switchyard_gpu_energy_unattributed_joules_total{gpu="0"}')).toBe(900);
    expect(page.get('switchyard_gpu_energy_requests_joules_total{gpu="1"}')).toBe(0);
  });

  test("a backend removed from the config loses its series", async () => {
    const registry = new Registry();
    let backends = [backend("a"), backend("b")];
    registerLabMetrics(registry, sources({ backends: () => backends }));
    expect(await registry.metrics()).toContain('switchyard_backend_up{backend="b"} 1');
    backends = [backend("a")];
    expect(await registry.metrics()).not.toContain('backend="b"');
  });
});
