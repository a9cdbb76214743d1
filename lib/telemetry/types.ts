// The sample fields, each list written once: the types, the rollups, the persisted rows and their SQL aggregates, the
// history points and the live events are derived from these.

/** A GPU's readings, in the GpuSample table's column order. */
export const GPU_SAMPLE_FIELDS = [
  "utilizationPct",
  "memoryUsedMiB",
  "memoryTotalMiB",
  "temperatureC",
  "powerDrawW",
  "powerLimitW",
  "smClockMHz",
  "fanPct",
] as const;

export type GpuSampleField = (typeof GPU_SAMPLE_FIELDS)[number];

/** A numeric reading is `null` when unknown. */
export type GpuReadings = { [K in GpuSampleField]: number | null };

/** What the console's GPU charts draw (live and history). */
export const GPU_CHART_FIELDS = withoutFields(GPU_SAMPLE_FIELDS, ["smClockMHz", "fanPct"]);
export type GpuChartField = (typeof GPU_CHART_FIELDS)[number];

/** What a scrape of a backend's vLLM /metrics reads directly (averaged over a persistence window). */
export const BACKEND_GAUGE_FIELDS = ["running", "waiting", "kvCacheUsage"] as const;
/** What is derived from consecutive scrapes: token rates and the TTFT percentiles (in ms). */
export const BACKEND_DERIVED_FIELDS = ["promptTokensPerSecond", "generationTokensPerSecond", "ttftP50Ms", "ttftP95Ms"] as const;
/** A backend's readings, in the BackendSample table's column order; `inFlight` is the gateway's own concurrency. */
export const BACKEND_SAMPLE_FIELDS = [...BACKEND_GAUGE_FIELDS, ...BACKEND_DERIVED_FIELDS, "inFlight"] as const;

export type BackendGaugeField = (typeof BACKEND_GAUGE_FIELDS)[number];
export type BackendDerivedField = (typeof BACKEND_DERIVED_FIELDS)[number];
export type BackendSampleField = (typeof BACKEND_SAMPLE_FIELDS)[number];

/** A numeric reading is `null` when unknown. */
export type BackendReadings = { [K in BackendSampleField]: number | null };

/** What the console's backend charts draw (live and history). */
export const BACKEND_CHART_FIELDS = withoutFields(BACKEND_SAMPLE_FIELDS, ["promptTokensPerSecond", "inFlight"]);
export type BackendChartField = (typeof BACKEND_CHART_FIELDS)[number];

/**
 * One GPU at one moment, whatever collector produced it (nvidia-smi, DCGM exporter, simulated GPUs).
 * A numeric field is `null` when the source reports it as unsupported (`[N/A]`, `[Not Supported]`) or leaves it out:
 * charts show a gap rather than a misleading zero.
 */
export interface GpuSample extends GpuReadings {
  /** The GPU index as nvidia-smi / CUDA number it (the `gpus: [0, 1]` of the lab config). */
  index: number;
  uuid?: string;
  name?: string;
  /** Epoch milliseconds. */
  at: number;
}

/** The listed fields of `source`, in the list's order. */
export function pickFields<Source, Field extends keyof Source & string>(source: Source, fields: readonly Field[]): Pick<Source, Field> {
  return mapFields(fields, (field) => source[field]) as Pick<Source, Field>;
}

/** An object with one entry per listed field, in the list's order. */
export function mapFields<Field extends string, Value>(fields: readonly Field[], value: (field: Field) => Value): Record<Field, Value> {
  const result = {} as Record<Field, Value>;
  for (const field of fields) result[field] = value(field);
  return result;
}

/** The list without the excluded fields (order kept). */
export function withoutFields<Field extends string, Excluded extends Field>(
  fields: readonly Field[],
  excluded: readonly Excluded[],
): readonly Exclude<Field, Excluded>[] {
  return fields.filter((field): field is Exclude<Field, Excluded> => !(excluded as readonly Field[]).includes(field));
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
