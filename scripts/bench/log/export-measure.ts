import { median } from "../stats";
import type { ApiClient } from "./api-client";
import { iso } from "./probes";

/** GET /api/requests/export?format=csv for one whole day of the log, read as fast as the client can: rows/s. */
export interface ExportMeasure {
  day: { from: string; to: string };
  runs: { rows: number; seconds: number; firstByteMs: number; megabytes: number; rowsPerSecond: number }[];
  rowsPerSecond: number;
}

const DAY = 86_400_000;

export function exportDayPath(endMs: number, daysBack = 2): string {
  const from = iso(endMs - daysBack * DAY);
  const to = iso(endMs - (daysBack - 1) * DAY);
  return `/api/requests/export?${new URLSearchParams({ format: "csv", from, to }).toString()}`;
}

export async function measureExport(api: ApiClient, endMs: number, runs: number): Promise<ExportMeasure> {
  const path = exportDayPath(endMs);
  const out: ExportMeasure["runs"] = [];
  for (let i = 0; i < runs; i++) {
    const result = await api.lines(path);
    const rows = result.lines - 1; // the header
    out.push({ rows, seconds: result.ms / 1000, firstByteMs: result.firstByteMs, megabytes: result.bytes / 1e6, rowsPerSecond: rows / (result.ms / 1000) });
  }
  return { day: { from: iso(endMs - 2 * DAY), to: iso(endMs - DAY) }, runs: out, rowsPerSecond: median(out.map((r) => r.rowsPerSecond)) };
}
