import type { GpuSample } from "@/lib/telemetry/types";
import { mixHash } from "./random";

/**
 * Simulated GPUs for `gpuTelemetry: simulated`: two RTX 3090s whose numbers follow the simulated backends.
 * Deterministic for a given clock and sequence of loads (no timers, no randomness): every figure is computed when
 * `sample()` is called, from the loads passed in and the time elapsed since the previous call.
 */

export type SimulatedProcessState = "loading" | "ready" | "stopping" | "stopped";

/** One backend process as the GPUs see it. */
export interface SimulatedGpuLoad {
  /** Identifies the process across samples (the backend id): state changes are timed from when they are first seen. */
  id: string;
  /** GPU indexes it occupies; tensor parallel = several, each holding `memoryMiB`. */
  gpus: readonly number[];
  state: SimulatedProcessState;
  /** Memory held on each of its GPUs once loaded. Default: 88 % of the card, like `--gpu-memory-utilization 0.88`. */
  memoryMiB?: number;
  /** Running sequences / max sequences, 0..1. */
  activity: number;
}

export interface SimulatedGpus {
  readonly count: number;
  /** One sample per GPU at `now()`; a process missing from `loads` is treated as stopped. */
  sample(loads: readonly SimulatedGpuLoad[]): GpuSample[];
}

export interface SimulatedGpusOptions {
  count?: number;
  now?: () => number;
  /** Time for a loading process to reach its full memory (weights, then the KV cache). */
  loadRampMs?: number;
  /** Time between a process stopping and the driver freeing its memory. */
  releaseDelayMs?: number;
}

export const SIMULATED_GPU = {
  name: "NVIDIA GeForce RTX 3090",
  memoryTotalMiB: 24_576,
  powerLimitW: 350,
  /** What a headless card with no process shows. */
  idleMemoryMiB: 1,
  idleSmClockMHz: 210,
  maxBoostMHz: 1950,
  /** Sustained clock at the power limit. */
  minBoostMHz: 1695,
} as const;

export const DEFAULT_LOAD_RAMP_MS = 1_500;
export const DEFAULT_RELEASE_DELAY_MS = 500;
/** What a process holds per GPU when nothing says: like `--gpu-memory-utilization 0.88`. */
export const DEFAULT_MEMORY_SHARE = 0.88;

// Copying weights, profiling and capturing CUDA graphs keep a loading GPU lightly busy.
const LOADING_ACTIVITY = 0.1;
// A card with a CUDA context and memory allocated sits in a higher power state than an empty one.
const CONTEXT_POWER_W = 8;
const JITTER_PCT = 3;
const AMBIENT_C = 30;
const DEGREES_PER_WATT = 0.13;
// Heatsink and die together: tens of seconds to settle, as on a real card.
const THERMAL_TIME_CONSTANT_MS = 20_000;
const FAN_MIN_PCT = 30;
const FAN_START_C = 50;
const FAN_PCT_PER_C = 2;
const CLOCK_STEP_MHZ = 15;

interface TrackedProcess {
  gpus: readonly number[];
  memoryMiB: number;
  activity: number;
  state: SimulatedProcessState;
  since: number;
  /** Memory held when the state last changed: where a ramp starts, what a stopping process keeps. */
  heldAtChange: number;
  held: number;
}

interface GpuThermals {
  temperatureC: number;
  lastAt: number;
}

export function createSimulatedGpus(options: SimulatedGpusOptions = {}): SimulatedGpus {
  const count = options.count ?? 2;
  if (!Number.isInteger(count) || count < 0) throw new RangeError("count must be a non-negative integer");
  const now = options.now ?? Date.now;
  const loadRampMs = Math.max(0, options.loadRampMs ?? DEFAULT_LOAD_RAMP_MS);
  const releaseDelayMs = Math.max(0, options.releaseDelayMs ?? DEFAULT_RELEASE_DELAY_MS);

  const processes = new Map<string, TrackedProcess>();
  const thermals: GpuThermals[] = [];

  const heldMemory = (process: TrackedProcess, t: number): number => {
    const elapsed = Math.max(0, t - process.since);
    switch (process.state) {
      case "loading": {
        const progress = loadRampMs === 0 ? 1 : Math.min(1, elapsed / loadRampMs);
        return process.heldAtChange + (process.memoryMiB - process.heldAtChange) * progress;
      }
      case "ready":
        return process.memoryMiB;
      case "stopping":
        // vLLM keeps everything until the process has exited.
        return process.heldAtChange;
      case "stopped":
        return elapsed < releaseDelayMs ? process.heldAtChange : 0;
    }
  };

  const track = (load: SimulatedGpuLoad, t: number) => {
    const memoryMiB = clamp(load.memoryMiB ?? SIMULATED_GPU.memoryTotalMiB * DEFAULT_MEMORY_SHARE, 0, SIMULATED_GPU.memoryTotalMiB);
    const activity = Number.isFinite(load.activity) ? clamp(load.activity, 0, 1) : 0;
    const known = processes.get(load.id);
    if (!known) {
      processes.set(load.id, { gpus: [...load.gpus], memoryMiB, activity, state: load.state, since: t, heldAtChange: 0, held: 0 });
      return;
    }
    if (known.state !== load.state) {
      known.heldAtChange = known.held;
      known.state = load.state;
      known.since = t;
    }
    known.gpus = [...load.gpus];
    known.memoryMiB = memoryMiB;
    known.activity = activity;
  };

  return {
    count,
    sample(loads) {
      const t = now();
      const seen = new Set<string>();
      for (const load of loads) {
        seen.add(load.id);
        track(load, t);
      }
      const memoryByGpu = new Array<number>(count).fill(0);
      const demandByGpu = new Array<number>(count).fill(0);
      for (const [id, process] of processes) {
        // A process that vanished from the list has exited: its memory goes after the release delay.
        if (!seen.has(id) && process.state !== "stopped") {
          process.heldAtChange = process.held;
          process.state = "stopped";
          process.since = t;
        }
        process.held = heldMemory(process, t);
        const demand =
          process.state === "ready" || process.state === "stopping"
            ? process.activity
            : process.state === "loading"
              ? LOADING_ACTIVITY
              : 0;
        for (const gpu of new Set(process.gpus)) {
          if (gpu < 0 || gpu >= count) continue;
          memoryByGpu[gpu] = (memoryByGpu[gpu] ?? 0) + process.held;
          demandByGpu[gpu] = (demandByGpu[gpu] ?? 0) + demand;
        }
        if (process.state === "stopped" && process.held === 0) processes.delete(id);
      }

      const samples: GpuSample[] = [];
      for (let index = 0; index < count; index++) {
        const held = memoryByGpu[index] ?? 0;
        const demand = Math.min(1, demandByGpu[index] ?? 0);
        const utilizationPct = utilizationFor(demand, index, t);
        const idleW = idlePowerW(index);
        const baseW = held > 0 ? idleW + CONTEXT_POWER_W : idleW;
        const powerDrawW = Math.min(SIMULATED_GPU.powerLimitW, baseW + (SIMULATED_GPU.powerLimitW - baseW) * (utilizationPct / 100));
        const temperatureC = advanceTemperature(thermals, index, t, targetTemperatureC(powerDrawW), targetTemperatureC(idleW));
        const boostShare = (powerDrawW - idleW) / (SIMULATED_GPU.powerLimitW - idleW);
        const smClockMHz =
          utilizationPct > 0
            ? roundTo(SIMULATED_GPU.maxBoostMHz - (SIMULATED_GPU.maxBoostMHz - SIMULATED_GPU.minBoostMHz) * boostShare, CLOCK_STEP_MHZ)
            : SIMULATED_GPU.idleSmClockMHz;
        samples.push({
          index,
          uuid: simulatedUuid(index),
          name: SIMULATED_GPU.name,
          at: t,
          utilizationPct,
          memoryUsedMiB: Math.round(Math.min(SIMULATED_GPU.memoryTotalMiB, SIMULATED_GPU.idleMemoryMiB + held)),
          memoryTotalMiB: SIMULATED_GPU.memoryTotalMiB,
          temperatureC: Math.round(temperatureC),
          powerDrawW: Math.round(powerDrawW * 100) / 100,
          powerLimitW: SIMULATED_GPU.powerLimitW,
          smClockMHz,
          fanPct: Math.round(clamp(FAN_MIN_PCT + (temperatureC - FAN_START_C) * FAN_PCT_PER_C, FAN_MIN_PCT, 100)),
        });
      }
      return samples;
    },
  };
}

/**
 * nvidia-smi's utilization is the share of time any kernel ran, so the first few sequences already keep the SMs busy
 * most of the time: it grows like the square root of the batch share rather than linearly.
 */
function utilizationFor(demand: number, index: number, t: number): number {
  if (demand <= 0) return 0;
  const jitter = ((mixHash(index + 1, Math.floor(t / 1000)) / 0xffffffff) * 2 - 1) * JITTER_PCT;
  return Math.round(clamp(100 * Math.sqrt(demand) + jitter, 1, 100));
}

/** Two cards of the same model never idle at exactly the same draw. */
function idlePowerW(index: number): number {
  return index % 2 === 0 ? 26.5 : 29.1;
}

function targetTemperatureC(powerW: number): number {
  return AMBIENT_C + powerW * DEGREES_PER_WATT;
}

/** First-order lag towards the temperature the current power would settle at. */
function advanceTemperature(thermals: GpuThermals[], index: number, t: number, targetC: number, idleC: number): number {
  const state = (thermals[index] ??= { temperatureC: idleC, lastAt: t });
  const dt = Math.max(0, t - state.lastAt);
  state.temperatureC += (targetC - state.temperatureC) * (1 - Math.exp(-dt / THERMAL_TIME_CONSTANT_MS));
  state.lastAt = Math.max(state.lastAt, t);
  return state.temperatureC;
}

function simulatedUuid(index: number): string {
  return `GPU-5a1e0000-0000-4000-8000-${index.toString(16).padStart(12, "0")}`;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step;
}
