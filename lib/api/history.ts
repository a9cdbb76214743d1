import { z } from "zod";
import { listBackendHistory, listGpuHistory } from "@/lib/db/queries/samples";
import { backendChartReadings } from "@/lib/telemetry/service-backend";
import {
  BACKEND_CHART_FIELDS,
  GPU_CHART_FIELDS,
  pickFields,
  type BackendChartField,
  type BackendReadings,
  type GpuChartField,
  type GpuReadings,
} from "@/lib/telemetry/types";
import { assertKnownBackend } from "./lab";
import { apiRoute } from "./route";

/** Chart ranges: the last 15 minutes come from memory at full resolution, longer ones from the database in buckets. */
export const historyRanges = {
  "15m": { spanMs: 15 * 60_000, bucketMs: 0 },
  "1h": { spanMs: 60 * 60_000, bucketMs: 30_000 },
  "24h": { spanMs: 24 * 60 * 60_000, bucketMs: 10 * 60_000 },
  "7d": { spanMs: 7 * 24 * 60 * 60_000, bucketMs: 60 * 60_000 },
} as const;

export type HistoryRange = keyof typeof historyRanges;

const rangeQuery = z.object({ range: z.enum(Object.keys(historyRanges) as [HistoryRange, ...HistoryRange[]]).default("15m") });

export interface GpuHistoryPoint extends Pick<GpuReadings, GpuChartField> {
  t: number;
}

export interface GpuHistoryResponse {
  range: HistoryRange;
  bucketMs: number;
  gpus: { gpuIndex: number; points: GpuHistoryPoint[] }[];
}

/** GET /api/gpus/history?range=15m|1h|24h|7d */
export const gpuHistory = apiRoute({ query: rangeQuery }, async ({ switchyard: { telemetry, db }, query: { range } }): Promise<GpuHistoryResponse> => {
  const { spanMs, bucketMs } = historyRanges[range];
  const now = Date.now();
  if (bucketMs === 0) {
    const indexes = telemetry.latestGpus().map((gpu) => gpu.index);
    return {
      range,
      bucketMs: 1000,
      gpus: indexes.map((gpuIndex) => ({
        gpuIndex,
        points: telemetry.gpuHistory(gpuIndex, now - spanMs).map((s) => ({ t: s.at, ...pickFields(s, GPU_CHART_FIELDS) })),
      })),
    };
  }
  const history = await listGpuHistory({ from: new Date(now - spanMs), to: new Date(now), bucketMs }, db);
  return {
    range,
    bucketMs,
    gpus: history.map(({ gpuIndex, buckets }) => ({
      gpuIndex,
      points: buckets.map((b) => ({ t: b.start.getTime(), ...pickFields(b, GPU_CHART_FIELDS) })),
    })),
  };
});

export interface BackendHistoryPoint extends Pick<BackendReadings, BackendChartField> {
  t: number;
}

/** GET /api/backends/{id}/metrics/history?range=15m|1h|24h|7d: the vLLM engine's running/waiting, KV cache, TTFT. */
export const backendHistory = apiRoute({ params: z.object({ id: z.string().min(1) }), query: rangeQuery }, async ({ switchyard, params: { id }, query: { range } }) => {
  const { spanMs, bucketMs } = historyRanges[range];
  assertKnownBackend(switchyard, id);
  const now = Date.now();
  if (bucketMs === 0) {
    const points: BackendHistoryPoint[] = switchyard.telemetry
      .backendHistory(id, now - spanMs)
      .map((s) => ({ t: s.at, ...backendChartReadings(s) }));
    return { backendId: id, range, bucketMs: 1000, points };
  }
  const buckets = await listBackendHistory({ backendId: id, from: new Date(now - spanMs), to: new Date(now), bucketMs }, switchyard.db);
  const points: BackendHistoryPoint[] = buckets.map((b) => ({ t: b.start.getTime(), ...pickFields(b, BACKEND_CHART_FIELDS) }));
  return { backendId: id, range, bucketMs, points };
});
