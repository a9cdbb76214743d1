import { table } from "../report";
import type { LatencyMeasure } from "./console-measures";
import type { ExportMeasure } from "./export-measure";
import type { GatewayUnderConsole } from "./gateway-under-console";
import type { RetentionMeasure } from "./retention-measure";

/** The targets for the request log at scale (absolute: they are about the console's feel, not ratios). */
export const LOG_TARGETS = {
  pageP95Ms: 50,
  overviewP95Ms: 50,
  usage24hP95Ms: 50,
  exportRowsPerSecond: 100_000,
  startupMs: 3_000,
  loopLagMaxMs: 20,
  gatewayP99OverIdleMs: 1,
} as const;

export interface Row {
  measure: string;
  p50: string;
  p95: string;
  target: string;
  met: boolean | null;
}

export interface StartupMeasure {
  readyMs: number[];
  firstPageMs: number[];
  /** The same starts on an empty database (the app's own start-up). */
  emptyReadyMs: number[];
  emptyFirstPageMs: number[];
}

export interface LogBenchResults {
  lists: LatencyMeasure[];
  detail: LatencyMeasure;
  overview: LatencyMeasure;
  usage: LatencyMeasure[];
  export: ExportMeasure;
  startup: StartupMeasure;
  gateway: GatewayUnderConsole;
  retention: RetentionMeasure | null;
}

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : "n/a");
const ms2 = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : "n/a");
const signed = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? "+" : ""}${value.toFixed(2)} ms` : "n/a");
const rate = (value: number) => `${Math.round(value).toLocaleString("en")} rows/s`;

function latencyRow(m: LatencyMeasure, limit: number | null): Row {
  const target = m.informational || limit === null ? "" : `p95 <= ${limit} ms`;
  return { measure: m.name, p50: ms(m.p50), p95: ms(m.p95), target, met: target ? m.p95 <= limit! : null };
}

export function buildRows(r: LogBenchResults): Row[] {
  const rows: Row[] = [];
  for (const m of r.lists) rows.push(latencyRow(m, m.group === "list" || m.group === "deep" ? LOG_TARGETS.pageP95Ms : null));
  rows.push(latencyRow(r.detail, null));
  rows.push(latencyRow(r.overview, LOG_TARGETS.overviewP95Ms));
  for (const m of r.usage) rows.push(latencyRow(m, LOG_TARGETS.usage24hP95Ms));
  const exportRuns = r.export.runs;
  rows.push({
    measure: `CSV export of one day (${exportRuns[0]?.rows.toLocaleString("en") ?? "?"} rows, ${exportRuns[0]?.megabytes.toFixed(0) ?? "?"} MB; median of ${exportRuns.length})`,
    p50: rate(r.export.rowsPerSecond),
    p95: `first byte ${ms(exportRuns[0]?.firstByteMs ?? Number.NaN)}`,
    target: `>= ${LOG_TARGETS.exportRowsPerSecond.toLocaleString("en")} rows/s`,
    met: r.export.rowsPerSecond >= LOG_TARGETS.exportRowsPerSecond,
  });
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const median = (values: number[]) => sorted(values)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;
  const worst = (values: number[]) => Math.max(...values);
  // Judged on the median start: the first start on a file may also apply pending migrations (see the README).
  const startRow = (name: string, values: number[], baseline: number[]): Row => ({
    measure: `${name} (${values.length} starts: median; worst, first; empty database: median)`,
    p50: ms(median(values)),
    p95: `${ms(worst(values))}, ${ms(values[0] ?? Number.NaN)}; ${ms(median(baseline))}`,
    target: `<= ${LOG_TARGETS.startupMs / 1000} s`,
    met: median(values) <= LOG_TARGETS.startupMs,
  });
  rows.push(startRow("start-up: spawn to /readyz 200", r.startup.readyMs, r.startup.emptyReadyMs));
  rows.push(startRow("start-up: spawn to the first /api/requests page", r.startup.firstPageMs, r.startup.emptyFirstPageMs));
  if (r.retention) {
    rows.push({
      measure: `retention pass: the oldest day (${r.retention.deleted.rows.toLocaleString("en")} rows, in chunks of 500)`,
      p50: `${r.retention.seconds.toFixed(1)} s`,
      p95: rate(r.retention.rowsPerSecond),
      target: "",
      met: null,
    });
  }
  const { idle, busy } = r.gateway;
  rows.push(
    { measure: "gateway added latency c=1, console idle (p50 / p99)", p50: signed(idle.addedP50), p95: signed(idle.addedP99), target: "", met: null },
    { measure: "gateway added latency c=1, console paging + exporting (p50 / p99)", p50: signed(busy.addedP50), p95: signed(busy.addedP99), target: "", met: null },
    {
      measure: "gateway p99, busy minus idle (gateway p50 / p99: idle, busy)",
      p50: `${ms2(idle.gatewayP50)} / ${ms2(busy.gatewayP50)}`,
      p95: `${ms2(idle.gatewayP99)} / ${ms2(busy.gatewayP99)} (${signed(busy.gatewayP99 - idle.gatewayP99)})`,
      target: `p99 within ${LOG_TARGETS.gatewayP99OverIdleMs} ms of idle`,
      met: busy.gatewayP99 - idle.gatewayP99 <= LOG_TARGETS.gatewayP99OverIdleMs,
    },
    {
      measure: "event-loop delay, console idle (worst 1 s p99 / max; raw max)",
      p50: ms(idle.loopDelayP99Ms),
      p95: `${ms(idle.loopDelayMaxMs)} (${ms(idle.loopLagRawMaxMs)})`,
      target: "",
      met: null,
    },
    {
      measure: "event-loop delay, console paging + exporting (worst 1 s p99 / max; raw max)",
      p50: ms(busy.loopDelayP99Ms),
      p95: `${ms(busy.loopDelayMaxMs)} (${ms(busy.loopLagRawMaxMs)})`,
      target: `no stall > ${LOG_TARGETS.loopLagMaxMs} ms`,
      met: busy.loopDelayMaxMs <= LOG_TARGETS.loopLagMaxMs,
    },
    { measure: "slowest gateway request, console idle / busy (c=1)", p50: ms(idle.gatewayMax), p95: ms(busy.gatewayMax), target: "", met: null },
  );
  return rows;
}

export function renderTable(rows: Row[]): string {
  return table(
    ["measure", "p50 (or rate)", "p95 (or as named)", "target", "met"],
    rows.map((row) => [row.measure, row.p50, row.p95, row.target, row.met === null ? "" : row.met ? "yes" : "**no**"]),
  );
}
