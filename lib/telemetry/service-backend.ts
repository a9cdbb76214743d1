import {
  BACKEND_CHART_FIELDS,
  BACKEND_DERIVED_FIELDS,
  BACKEND_GAUGE_FIELDS,
  pickFields,
  type BackendChartField,
  type BackendDerivedField,
  type BackendReadings,
} from "./types";
import { latencySummary, tokenThroughput, type BackendMetricsSample } from "./vllm-metrics";

/** How far back the TTFT percentiles of a backend's live view look. */
export const TTFT_WINDOW_MS = 5 * 60_000;

/**
 * One scrape of a backend with what can be derived from the scrapes before it: the token rates between the previous
 * scrape and this one (`null` without a recent previous scrape), and the time to first token of the requests that got
 * one in the last ~5 minutes (`null` when none did).
 */
export interface BackendTelemetry extends Pick<BackendReadings, BackendDerivedField> {
  backendId: string;
  /** Epoch ms of the scrape. */
  at: number;
  sample: BackendMetricsSample;
}

/** What the console charts of one scrape: the scrape's gauges and what was derived from it. */
export function backendChartReadings(point: BackendTelemetry): Pick<BackendReadings, BackendChartField> {
  return pickFields({ ...pickFields(point.sample, BACKEND_GAUGE_FIELDS), ...pickFields(point, BACKEND_DERIVED_FIELDS) }, BACKEND_CHART_FIELDS);
}

export interface BackendDerivationInput {
  backendId: string;
  sample: BackendMetricsSample;
  /** The scrape just before, if recent enough to make a rate (an old one would average over a gap). */
  previous: BackendMetricsSample | null;
  /** The oldest scrape still inside the TTFT window, if any. */
  windowStart: BackendMetricsSample | null;
}

export function deriveBackendTelemetry({ backendId, sample, previous, windowStart }: BackendDerivationInput): BackendTelemetry {
  const rates = previous ? tokenThroughput(previous, sample) : { promptTokensPerSecond: null, generationTokensPerSecond: null };
  const latency = windowStart && windowStart.at < sample.at ? latencySummary(windowStart, sample) : null;
  return {
    backendId,
    at: sample.at,
    sample,
    promptTokensPerSecond: rates.promptTokensPerSecond,
    generationTokensPerSecond: rates.generationTokensPerSecond,
    ttftP50Ms: secondsToMs(latency?.ttftP50 ?? null),
    ttftP95Ms: secondsToMs(latency?.ttftP95 ?? null),
  };
}

export function secondsToMs(seconds: number | null): number | null {
  return seconds === null ? null : seconds * 1000;
}
