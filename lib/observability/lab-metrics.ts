import { Counter, Gauge, type Registry } from "prom-client";
import type { HealthState } from "@/lib/lab/backend-health";
import type { OperationKind } from "@/lib/lab/controller";
import type { EnergyTotals } from "@/lib/telemetry/energy-ledger";
import type { GpuSample } from "@/lib/telemetry/types";

/** One configured backend as /metrics shows it. */
export interface BackendMetricsView {
  id: string;
  /** The backend belongs to the current mode. */
  inMode: boolean;
  /** False while a lab operation keeps new requests off it. */
  admitting: boolean;
  health: HealthState;
  /** The engine is asleep on purpose (vLLM sleep mode): its level, or null when it is not. */
  asleepLevel: 1 | 2 | null;
  /** The engine's own numbers from its last /metrics scrape (its `at` decides whether it is still current); null before one. */
  engine: { at: number; running: number | null; waiting: number | null; kvCacheUsage: number | null } | null;
}

/** What the lab's gauges read at scrape time: in-memory state only (a scrape never touches the database). */
export interface LabMetricsSources {
  /** Every configured mode. */
  modes(): string[];
  currentMode(): string;
  /** The kind of the running lab operation; null when none runs. */
  operation(): OperationKind | null;
  /** Every configured backend. */
  backends(): BackendMetricsView[];
  /** The GPU source the config picked, and whether it is delivering readings. */
  gpuTelemetry(): { source: string; running: boolean };
  /** The latest reading of each GPU (older than `staleAfterMs` is left out). */
  gpus(): GpuSample[];
  /** Energy since start (lib/telemetry/energy-ledger.ts). */
  energy(): EnergyTotals;
  /** Older than this, a GPU or engine reading no longer describes now: its series are left out. */
  staleAfterMs: number;
  now?: () => number;
}

// Exhaustive lists of the label values that come from a closed set: every value gets its series, 0 or 1.
const HEALTH_STATES = Object.keys({ unknown: 1, ready: 1, down: 1, unhealthy: 1 } satisfies Record<HealthState, 1>) as HealthState[];
const OPERATION_KINDS = Object.keys({ mode_switch: 1, restart: 1 } satisfies Record<OperationKind, 1>) as OperationKind[];

const BYTES_PER_MIB = 1024 * 1024;
const JOULES_PER_WH = 3600;

/**
 * The lab's state on /metrics, so that a dashboard needs nothing else: the mode and the running operation, each
 * backend's health and engine load, each GPU's readings and energy. Every family is filled by its collect(), i.e.
 * read when scraped; labels are config names (modes, backends), closed sets (states, kinds) and GPU indexes.
 */
export function registerLabMetrics(registry: Registry, sources: LabMetricsSources): void {
  const now = sources.now ?? Date.now;
  const fresh = (at: number) => at >= now() - sources.staleAfterMs;
  const registers = [registry];
  const flag = (value: boolean) => (value ? 1 : 0);
  /** A gauge with one series per item (a backend, a GPU), read at scrape time; an item whose reading is null has none. */
  const gaugePerItem =
    <Item>(label: string, items: () => Item[], keyOf: (item: Item) => string) =>
    (name: string, help: string, value: (item: Item) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          this.reset();
          for (const item of items()) {
            const reading = value(item);
            if (reading !== null) this.set({ [label]: keyOf(item) }, reading);
          }
        },
      });

  new Gauge({
    name: "switchyard_mode_active",
    help: "1 for the lab's current mode, 0 for every other configured mode.",
    labelNames: ["mode"] as const,
    registers,
    collect() {
      this.reset();
      const current = sources.currentMode();
      const modes = new Set([...sources.modes(), current]);
      for (const mode of modes) this.set({ mode }, flag(mode === current));
    },
  });
  new Gauge({
    name: "switchyard_lab_operation_running",
    help: "1 while a lab operation of this kind (mode switch, backend restart) runs.",
    labelNames: ["kind"] as const,
    registers,
    collect() {
      const running = sources.operation();
      for (const kind of OPERATION_KINDS) this.set({ kind }, flag(kind === running));
    },
  });

  // --- Backends ---

  const perBackend = gaugePerItem("backend", sources.backends, (backend) => backend.id);
  perBackend("switchyard_backend_up", "1 when the backend's health is ready (probes and traffic agree it serves), else 0.", (b) => flag(b.health === "ready"));
  perBackend("switchyard_backend_in_mode", "1 when the backend belongs to the current mode.", (b) => flag(b.inMode));
  perBackend(
    "switchyard_backend_asleep",
    "1 while the backend's engine is asleep on purpose (vLLM sleep mode, put there by a mode switch; its level is on /api/status), else 0.",
    (b) => flag(b.asleepLevel !== null),
  );
  perBackend("switchyard_backend_admitting", "0 while a lab operation keeps new requests off the backend (draining, stopped, loading).", (b) => flag(b.admitting));
  const engine = (b: BackendMetricsView) => (b.engine && fresh(b.engine.at) ? b.engine : null);
  perBackend("switchyard_backend_engine_requests_running", "Requests the backend's engine (vLLM) runs, from its last /metrics scrape.", (b) => engine(b)?.running ?? null);
  perBackend("switchyard_backend_engine_requests_waiting", "Requests waiting in the backend engine's own queue, from its last /metrics scrape.", (b) => engine(b)?.waiting ?? null);
  perBackend("switchyard_backend_kv_cache_usage_ratio", "The backend engine's KV cache in use (0 to 1), from its last /metrics scrape.", (b) => engine(b)?.kvCacheUsage ?? null);
  new Gauge({
    name: "switchyard_backend_health_state",
    help: "The backend's health state: 1 for the state it is in, 0 for the others.",
    labelNames: ["backend", "state"] as const,
    registers,
    collect() {
      this.reset();
      for (const backend of sources.backends()) {
        for (const state of HEALTH_STATES) this.set({ backend: backend.id, state }, flag(state === backend.health));
      }
    },
  });

  // --- GPUs ---

  new Gauge({
    name: "switchyard_gpu_telemetry_up",
    help: "1 while the configured GPU telemetry source (nvidia-smi, DCGM, simulated) delivers readings.",
    labelNames: ["source"] as const,
    registers,
    collect() {
      this.reset();
      const { source, running } = sources.gpuTelemetry();
      this.set({ source }, flag(running));
    },
  });
  const freshGpus = () => sources.gpus().filter((gpu) => fresh(gpu.at));
  new Gauge({
    name: "switchyard_gpu_info",
    help: "The GPU's model name and UUID, as its telemetry source reports them; always 1.",
    labelNames: ["gpu", "name", "uuid"] as const,
    registers,
    collect() {
      this.reset();
      for (const gpu of freshGpus()) this.set({ gpu: String(gpu.index), name: gpu.name ?? "", uuid: gpu.uuid ?? "" }, 1);
    },
  });
  const perGpu = gaugePerItem("gpu", freshGpus, (gpu) => String(gpu.index));
  const scaled = (reading: number | null, factor: number) => (reading === null ? null : reading * factor);
  perGpu("switchyard_gpu_utilization_ratio", "GPU utilization (0 to 1) at the latest reading.", (gpu) => scaled(gpu.utilizationPct, 0.01));
  perGpu("switchyard_gpu_memory_used_bytes", "GPU memory in use at the latest reading.", (gpu) => scaled(gpu.memoryUsedMiB, BYTES_PER_MIB));
  perGpu("switchyard_gpu_memory_total_bytes", "GPU memory in all.", (gpu) => scaled(gpu.memoryTotalMiB, BYTES_PER_MIB));
  perGpu("switchyard_gpu_power_draw_watts", "GPU power draw at the latest reading.", (gpu) => gpu.powerDrawW);
  perGpu("switchyard_gpu_power_limit_watts", "GPU power limit.", (gpu) => gpu.powerLimitW);
  perGpu("switchyard_gpu_temperature_celsius", "GPU temperature at the latest reading.", (gpu) => gpu.temperatureC);
  perGpu("switchyard_gpu_sm_clock_hertz", "GPU SM clock at the latest reading.", (gpu) => scaled(gpu.smClockMHz, 1e6));
  perGpu("switchyard_gpu_fan_speed_ratio", "GPU fan speed (0 to 1) at the latest reading.", (gpu) => scaled(gpu.fanPct, 0.01));

  // Energy since start: monotonic totals kept by the ledger, mirrored into counters when scraped.
  const energyCounter = (name: string, help: string, field: "measuredWh" | "idleWh" | "requestsWh" | "unattributedWh") =>
    new Counter({
      name,
      help,
      labelNames: ["gpu"] as const,
      registers,
      collect() {
        this.reset();
        for (const gpu of sources.energy().gpus) this.inc({ gpu: String(gpu.gpu) }, gpu[field] * JOULES_PER_WH);
      },
    });
  energyCounter("switchyard_gpu_energy_joules_total", "Energy the GPU drew since Switchyard started (integrated power readings).", "measuredWh");
  energyCounter("switchyard_gpu_energy_idle_joules_total", "Of the GPU's energy: drawn while no request was in flight on it.", "idleWh");
  energyCounter("switchyard_gpu_energy_requests_joules_total", "Of the GPU's energy: charged to the requests in flight on it (idle + requests = all).", "requestsWh");
  energyCounter(
    "switchyard_gpu_energy_unattributed_joules_total",
    "Of the requests' energy: charged to requests whose own total is unknown (they also ran without power readings).",
    "unattributedWh",
  );
}
