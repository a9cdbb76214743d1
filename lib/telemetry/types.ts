/**
 * One GPU at one moment, whatever collector produced it (nvidia-smi, DCGM exporter, simulated GPUs).
 * A numeric field is `null` when the source reports it as unsupported (`[N/A]`, `[Not Supported]`) or leaves it out:
 * charts show a gap rather than a misleading zero.
 */
export interface GpuSample {
  /** The GPU index as nvidia-smi / CUDA number it (the `gpus: [0, 1]` of the lab config). */
  index: number;
  uuid?: string;
  name?: string;
  /** Epoch milliseconds. */
  at: number;
  utilizationPct: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  temperatureC: number | null;
  powerDrawW: number | null;
  powerLimitW: number | null;
  smClockMHz: number | null;
  fanPct: number | null;
}

/**
 * What a collector reports about itself. `unavailable` is a normal, recoverable state (no driver, exporter down,
 * nvidia-smi missing): the collector keeps retrying and says when.
 */
export type CollectorStatus =
  | { state: "running" }
  | { state: "unavailable"; reason: string; retryInMs: number }
  | { state: "stopped" };

/** A running collector. `stop()` resolves once every timer is cleared and every child process has exited. */
export interface Collector {
  stop(): Promise<void>;
}
