import type { LabConfig } from "@/lib/config/schema";
import type { EventBus } from "@/lib/events/bus";
import type { SimulatedGpuLoad } from "@/lib/sim/gpus";
import { RingBuffer } from "./ring-buffer";
import { backendChartReadings, deriveBackendTelemetry, TTFT_WINDOW_MS, type BackendTelemetry } from "./service-backend";
import type { EnergyTotals } from "./energy-ledger";
import { integrateEnergyWh } from "./service-energy";
import {
  defaultCollectorFactories,
  startGpuSource,
  type GpuSource,
  type GpuTelemetrySource,
  type GpuTelemetryStatus,
  type TelemetryCollectorFactories,
} from "./service-gpu-source";
import { createRequestEnergy } from "./service-request-energy";
import { backendRollupRow, gpuRollupRow, mean, type BackendRollupRow, type GpuRollupRow } from "./service-rollups";
import type { Collector, CollectorStatus, GpuSample } from "./types";
import type { BackendMetricsSample } from "./vllm-metrics";

export type { EnergyTotals, GpuEnergyTotals } from "./energy-ledger";
export type { BackendTelemetry } from "./service-backend";
export type { GpuTelemetrySource, GpuTelemetryStatus, TelemetryCollectorFactories } from "./service-gpu-source";
export type { BackendRollupRow, GpuRollupRow } from "./service-rollups";

/** Where averaged telemetry goes for history (the database); either callback may be async. */
export interface TelemetryPersistence {
  gpu(rows: GpuRollupRow[]): void | Promise<void>;
  backend(rows: BackendRollupRow[]): void | Promise<void>;
}

export interface TelemetryServiceOptions {
  config: () => LabConfig;
  bus: EventBus;
  /** What the simulated GPUs should show: the simulated backends' processes. Read on every tick. */
  simulatedLoads: () => SimulatedGpuLoad[];
  /** The backends whose vLLM /metrics to scrape (base URL, e.g. http://127.0.0.1:8001). Re-read on every tick. */
  backendsToScrape: () => { id: string; url: string }[];
  intervalMs?: number;
  persist?: TelemetryPersistence;
  persistEveryMs?: number;
  nvidiaSmiCommand?: string;
  /** The DCGM exporter's metrics URL (default http://127.0.0.1:9400/metrics). */
  dcgmUrl?: string;
  /** How much recent telemetry stays in memory for live charts (default 15 minutes). */
  historyMs?: number;
  now?: () => number;
  collectors?: Partial<TelemetryCollectorFactories>;
  log?: (message: string, error?: unknown) => void;
}

/** What a request log row records about the serving side when the request is accepted. */
export interface RequestTelemetryState {
  /** Average utilization of the backend's GPUs; `null` without recent GPU telemetry. */
  gpuUtilizationPct: number | null;
  /** 0..1, from the backend's last recent scrape. */
  kvCacheUsage: number | null;
  /** Requests waiting in the backend's own queue. */
  backendQueueDepth: number | null;
}

export interface PersistStats {
  gpuRows: number;
  backendRows: number;
  failures: number;
  lastError: string | null;
}

export interface TelemetryService {
  start(): void;
  /** Stops every collector, writes the last partial window, and resolves once all of that is done. */
  stop(): Promise<void>;
  gpuStatus(): GpuTelemetryStatus;
  /** The GPUs of the latest tick (empty before the first one or with `gpuTelemetry: none`). */
  latestGpus(): GpuSample[];
  gpuHistory(index: number, sinceMs: number): GpuSample[];
  /** Memory used on a GPU now; `null` when there is no recent reading (telemetry off, down or stale). */
  gpuMemoryUsedMiB(index: number): number | null;
  /** The GPU's total memory as its latest recent reading reports it; `null` as for the memory used. */
  gpuMemoryTotalMiB(index: number): number | null;
  /** The last scrape of a backend with its rates, however old (see `at`); `null` before the first. */
  latestBackend(id: string): BackendTelemetry | null;
  backendHistory(id: string, sinceMs: number): BackendTelemetry[];
  /** The last scrape status of a backend (`unavailable` with the reason when it does not answer). */
  backendStatus(id: string): CollectorStatus | null;
  stateFor(backendId: string, gpus: readonly number[]): RequestTelemetryState;
  /** Estimated energy of these GPUs over the window in Wh; `null` when any of them has no power data for it. */
  energyWh(gpus: readonly number[], fromMs: number, toMs: number): number | null;
  /** Per-request energy (energy-ledger.ts): a request started holding these GPUs (a backend admitted it). */
  requestStarted(requestId: string, gpus: readonly number[]): void;
  /** ...and stopped holding them. */
  requestEnded(requestId: string): void;
  /**
   * Calls back once with the request's share of its GPUs' energy (Wh): at the first power reading after it ended,
   * or at once with null when it held no GPU that reports power (unknown is null, never 0).
   */
  whenEnergySettled(requestId: string, settled: (energyWh: number | null) => void): void;
  /** Since start: what the GPUs drew, what was charged to requests and what was idle (rows + idle = measured). */
  energyTotals(): EnergyTotals;
  persistStats(): PersistStats;
}

const DEFAULT_INTERVAL_MS = 1_000;
const DEFAULT_PERSIST_EVERY_MS = 10_000;
const DEFAULT_HISTORY_MS = 15 * 60_000;

interface ScrapeTarget {
  url: string;
  collector: Collector;
  status: CollectorStatus | null;
}

export function createTelemetryService(options: TelemetryServiceOptions): TelemetryService {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const persistEveryMs = options.persistEveryMs ?? DEFAULT_PERSIST_EVERY_MS;
  const historyCapacity = Math.max(1, Math.ceil((options.historyMs ?? DEFAULT_HISTORY_MS) / intervalMs));
  const now = options.now ?? Date.now;
  const collectors: TelemetryCollectorFactories = { ...defaultCollectorFactories, ...options.collectors };
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[telemetry] ${message}`, error ?? ""));
  // Older than this, a reading no longer describes "now" (a collector that died, a backend that left).
  const staleAfterMs = Math.max(5_000, intervalMs * 3);

  let running = false;
  let tickTimer: ReturnType<typeof setInterval> | null = null;
  let persistTimer: ReturnType<typeof setInterval> | null = null;
  let gpuSource: GpuSource | null = null;
  const retiring = new Set<Promise<void>>();
  let latestTick: GpuSample[] = [];
  const gpuBuffers = new Map<number, RingBuffer<GpuSample>>();
  const targets = new Map<string, ScrapeTarget>();
  const backendBuffers = new Map<string, RingBuffer<BackendTelemetry>>();
  const backendStatuses = new Map<string, CollectorStatus>();
  let persistedUpTo = 0;
  let persisting: Promise<void> | null = null;
  const stats: PersistStats = { gpuRows: 0, backendRows: 0, failures: 0, lastError: null };
  const requestEnergy = createRequestEnergy({ maxGapMs: staleAfterMs, now, log });

  const retire = (stopping: Promise<void>) => {
    const tracked = stopping.catch((error: unknown) => log("a collector failed to stop", error)).finally(() => retiring.delete(tracked));
    retiring.add(tracked);
  };

  // --- GPUs ---

  const recordGpus = (samples: GpuSample[]) => {
    latestTick = samples;
    for (const sample of samples) {
      let buffer = gpuBuffers.get(sample.index);
      if (!buffer) gpuBuffers.set(sample.index, (buffer = new RingBuffer<GpuSample>(historyCapacity)));
      buffer.push(sample);
    }
    requestEnergy.record(samples);
    options.bus.publish("gpu_samples", { samples });
  };

  const configuredSource = (): GpuTelemetrySource | null => {
    try {
      return options.config().gpuTelemetry;
    } catch (error) {
      log("reading the config failed; keeping the current GPU source", error);
      return null;
    }
  };

  const syncGpuSource = () => {
    const wanted = configuredSource();
    if (wanted === null || wanted === gpuSource?.source) return;
    if (gpuSource) retire(gpuSource.stop());
    latestTick = [];
    gpuSource = openGpuSource(wanted);
  };

  const openGpuSource = (source: GpuTelemetrySource): GpuSource => {
    try {
      return startGpuSource(source, {
        intervalMs,
        now,
        collectors,
        simulatedLoads: options.simulatedLoads,
        nvidiaSmiCommand: options.nvidiaSmiCommand,
        dcgmUrl: options.dcgmUrl,
        onSamples: recordGpus,
        log,
      });
    } catch (error) {
      const reason = `could not start ${source}: ${error instanceof Error ? error.message : String(error)}`;
      return { source, status: () => ({ source, state: "unavailable", reason }), tick: () => undefined, stop: async () => undefined };
    }
  };

  const freshGpu = (index: number): GpuSample | null => {
    const sample = latestTick.find((gpu) => gpu.index === index);
    return sample && sample.at >= now() - staleAfterMs ? sample : null;
  };

  // --- Backends ---

  const recordBackend = (backendId: string, sample: BackendMetricsSample) => {
    let buffer = backendBuffers.get(backendId);
    if (!buffer) backendBuffers.set(backendId, (buffer = new RingBuffer<BackendTelemetry>(historyCapacity)));
    const last = buffer.latest();
    const previous = last && last.at < sample.at && last.at >= sample.at - staleAfterMs ? last.sample : null;
    const windowStart = buffer.since(sample.at - TTFT_WINDOW_MS)[0]?.sample ?? null;
    const point = deriveBackendTelemetry({ backendId, sample, previous, windowStart });
    buffer.push(point);
    options.bus.publish("backend_sample", { backendId, at: sample.at, ...backendChartReadings(point) });
  };

  const wantedBackends = (): Map<string, string> | null => {
    try {
      return new Map(options.backendsToScrape().map((backend) => [backend.id, metricsUrl(backend.url)]));
    } catch (error) {
      log("backendsToScrape() failed; keeping the current set", error);
      return null;
    }
  };

  const syncBackends = () => {
    const wanted = wantedBackends();
    if (!wanted) return;
    for (const [id, target] of targets) {
      if (wanted.get(id) === target.url) continue;
      targets.delete(id);
      retire(target.collector.stop());
    }
    for (const [id, url] of wanted) {
      if (targets.has(id)) continue;
      const target: ScrapeTarget = { url, collector: { stop: async () => undefined }, status: null };
      const isCurrent = () => targets.get(id) === target;
      try {
        target.collector = collectors.vllm({
          url,
          intervalMs,
          now,
          onSample: (sample) => {
            if (isCurrent()) recordBackend(id, sample);
          },
          onStatus: (status) => {
            if (isCurrent()) backendStatuses.set(id, status);
          },
        });
      } catch (error) {
        log(`could not start scraping ${id} at ${url}`, error);
        continue;
      }
      targets.set(id, target);
    }
  };

  const freshBackend = (id: string): BackendTelemetry | null => {
    const latest = backendBuffers.get(id)?.latest();
    return latest && latest.at >= now() - staleAfterMs ? latest : null;
  };

  // --- Persistence ---

  const collectRows = (from: number, to: number) => {
    const at = new Date(to);
    const inWindow = (t: number) => t > from && t <= to;
    const gpuRows: GpuRollupRow[] = [];
    for (const [index, buffer] of [...gpuBuffers].sort(([a], [b]) => a - b)) {
      const row = gpuRollupRow(index, buffer.since(from).filter((sample) => inWindow(sample.at)), at);
      if (row) gpuRows.push(row);
    }
    const backendRows: BackendRollupRow[] = [];
    for (const [id, buffer] of backendBuffers) {
      const all = buffer.toArray().map((point) => point.sample);
      const window = all.filter((sample) => inWindow(sample.at));
      const baseline = all.filter((sample) => sample.at <= from && sample.at >= from - staleAfterMs).at(-1) ?? null;
      const row = backendRollupRow(id, baseline, window, at);
      if (row) backendRows.push(row);
    }
    return { gpuRows, backendRows };
  };

  const write = async <Row>(kind: "gpu" | "backend", rows: Row[], save: (rows: Row[]) => void | Promise<void>) => {
    if (rows.length === 0) return;
    try {
      await save(rows);
      if (kind === "gpu") stats.gpuRows += rows.length;
      else stats.backendRows += rows.length;
    } catch (error) {
      stats.failures++;
      stats.lastError = error instanceof Error ? error.message : String(error);
      log(`persisting ${rows.length} ${kind} telemetry row(s) failed`, error);
    }
  };

  /** Writes the window since the last write. Skipped while a write is pending: the next window then covers both. */
  const persistWindow = (): Promise<void> => {
    const persist = options.persist;
    if (!persist || persisting) return persisting ?? Promise.resolve();
    const from = persistedUpTo;
    const to = now();
    if (to <= from) return Promise.resolve();
    persistedUpTo = to;
    const { gpuRows, backendRows } = collectRows(from, to);
    persisting = Promise.all([
      write("gpu", gpuRows, (rows) => persist.gpu(rows)),
      write("backend", backendRows, (rows) => persist.backend(rows)),
    ]).then(() => {
      persisting = null;
    });
    return persisting;
  };

  // --- Loop ---

  const tick = () => {
    syncGpuSource();
    gpuSource?.tick();
    syncBackends();
    requestEnergy.expire();
  };

  return {
    start() {
      if (running) return;
      running = true;
      persistedUpTo = now() - 1;
      tick();
      tickTimer = setInterval(tick, intervalMs);
      if (options.persist) persistTimer = setInterval(() => void persistWindow(), persistEveryMs);
    },

    async stop() {
      if (!running) {
        await Promise.all([...retiring]);
        return;
      }
      running = false;
      if (tickTimer) clearInterval(tickTimer);
      if (persistTimer) clearInterval(persistTimer);
      tickTimer = persistTimer = null;
      if (gpuSource) retire(gpuSource.stop());
      gpuSource = null;
      for (const target of targets.values()) retire(target.collector.stop());
      targets.clear();
      await Promise.all([...retiring]);
      requestEnergy.close();
      await persisting;
      await persistWindow();
    },

    gpuStatus() {
      if (gpuSource) return gpuSource.status();
      return { source: configuredSource() ?? "none", state: "stopped" };
    },

    latestGpus: () => [...latestTick],

    gpuHistory: (index, sinceMs) => gpuBuffers.get(index)?.since(sinceMs) ?? [],

    gpuMemoryUsedMiB: (index) => freshGpu(index)?.memoryUsedMiB ?? null,

    gpuMemoryTotalMiB: (index) => freshGpu(index)?.memoryTotalMiB ?? null,

    latestBackend: (id) => backendBuffers.get(id)?.latest() ?? null,

    backendHistory: (id, sinceMs) => backendBuffers.get(id)?.since(sinceMs) ?? [],

    backendStatus: (id) => (targets.has(id) ? (backendStatuses.get(id) ?? null) : null),

    stateFor(backendId, gpus) {
      const backend = freshBackend(backendId)?.sample ?? null;
      return {
        gpuUtilizationPct: mean(gpus.map((index) => freshGpu(index)?.utilizationPct ?? null)),
        kvCacheUsage: backend?.kvCacheUsage ?? null,
        backendQueueDepth: backend?.waiting ?? null,
      };
    },

    energyWh(gpus, fromMs, toMs) {
      if (gpus.length === 0) return null;
      let total = 0;
      for (const index of new Set(gpus)) {
        const points = gpuBuffers.get(index)?.since(fromMs - staleAfterMs) ?? [];
        const wh = integrateEnergyWh(points, fromMs, toMs, { intervalMs, maxGapMs: staleAfterMs });
        if (wh === null) return null;
        total += wh;
      }
      return total;
    },

    requestStarted: (requestId, gpus) => requestEnergy.started(requestId, gpus),
    requestEnded: (requestId) => requestEnergy.ended(requestId),
    whenEnergySettled: (requestId, settled) => requestEnergy.whenSettled(requestId, settled),
    energyTotals: () => requestEnergy.totals(),

    persistStats: () => ({ ...stats }),
  };
}

/** The /metrics URL of a backend given by its base URL (a full /metrics URL is kept as is). */
export function metricsUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  return trimmed.endsWith("/metrics") ? trimmed : `${trimmed}/metrics`;
}
