import type { LatencyResult, ThroughputResult } from "./load";
import { medianRatio, round3 } from "./stats";

/** What one app run (request log on or off) measured, each against the same simulator. */
export interface PhaseResults {
  requestLog: "on" | "off";
  latency: { direct: LatencyResult; gateway: LatencyResult; noop: LatencyResult };
  ttft: { direct: LatencyResult; gateway: LatencyResult };
  throughput: { direct: ThroughputResult; gateway: ThroughputResult; noop: ThroughputResult };
}

export interface TargetCheck {
  name: string;
  measured: number;
  limit: number;
  unit: "ms" | "%";
  /** "max": measured must be <= limit; "min": measured must be >= limit. */
  kind: "max" | "min";
  met: boolean;
  /** How far past the limit (0 when met), in the unit. */
  missedBy: number;
}

export interface GatewayVariantFigures {
  latency: {
    directP50: number;
    directP99: number;
    p50: number;
    p99: number;
    addedP50: number;
    addedP99: number;
    /** The no-op route of the same app, measured interleaved with the two above. */
    noopP50: number;
    noopP99: number;
    /** What the gateway adds beyond the framework's own cost: gateway minus no-op route. */
    overNoopP50: number;
    overNoopP99: number;
  };
  ttft: { directP50: number; directP99: number; p50: number; p99: number; addedP50: number; addedP99: number };
  /** Rates are whole-run averages; the percentages are medians of per-round ratios (see `medianRatio`). */
  throughput: { directRps: number; noopRps: number; rps: number; percentOfNoop: number; percentOfDirect: number };
  /**
   * CPU milliseconds per request at concurrency 32. `percentOfNoop` = the no-op route's app CPU per request over
   * the gateway's: the share of the no-op route's rate the gateway reaches when the app's CPU is what limits both.
   */
  cpu: { appMsPerRequest: number; noopAppMsPerRequest: number; simulatorMsPerRequest: number; directSimulatorMsPerRequest: number; percentOfNoop: number };
}

export interface BenchFigures {
  logOn: GatewayVariantFigures;
  logOff: GatewayVariantFigures;
  logging: {
    /** Throughput with the log on as % of off, straight. */
    rawPercentOfOff: number;
    /** The same, each side first divided by the no-op route's rate measured alongside it (cancels machine drift between the two runs). */
    normalizedPercentOfOff: number;
    /** 100 - normalizedPercentOfOff: what the log costs. */
    costPercent: number;
    /** The same from the app's CPU per request: 100 - (log on CPU % of no-op) / (log off CPU % of no-op). */
    cpuCostPercent: number;
  };
  targets: TargetCheck[];
  allTargetsMet: boolean;
  errors: number;
}

export const TARGETS = {
  addedP50Ms: 0.5,
  addedP99Ms: 2,
  throughputPercentOfNoop: 90,
  loggingCostPercent: 5,
} as const;

function variant(phase: PhaseResults): GatewayVariantFigures {
  const { latency, ttft, throughput } = phase;
  return {
    latency: {
      directP50: latency.direct.p50,
      directP99: latency.direct.p99,
      p50: latency.gateway.p50,
      p99: latency.gateway.p99,
      addedP50: latency.gateway.p50 - latency.direct.p50,
      addedP99: latency.gateway.p99 - latency.direct.p99,
      noopP50: latency.noop.p50,
      noopP99: latency.noop.p99,
      overNoopP50: latency.gateway.p50 - latency.noop.p50,
      overNoopP99: latency.gateway.p99 - latency.noop.p99,
    },
    ttft: {
      directP50: ttft.direct.p50,
      directP99: ttft.direct.p99,
      p50: ttft.gateway.p50,
      p99: ttft.gateway.p99,
      addedP50: ttft.gateway.p50 - ttft.direct.p50,
      addedP99: ttft.gateway.p99 - ttft.direct.p99,
    },
    throughput: {
      directRps: throughput.direct.requestsPerSecond,
      noopRps: throughput.noop.requestsPerSecond,
      rps: throughput.gateway.requestsPerSecond,
      percentOfNoop: 100 * medianRatio(throughput.gateway.windows, throughput.noop.windows),
      percentOfDirect: 100 * medianRatio(throughput.gateway.windows, throughput.direct.windows),
    },
    cpu: {
      appMsPerRequest: cpuOf(throughput.gateway, "app"),
      noopAppMsPerRequest: cpuOf(throughput.noop, "app"),
      simulatorMsPerRequest: cpuOf(throughput.gateway, "simulator"),
      directSimulatorMsPerRequest: cpuOf(throughput.direct, "simulator"),
      percentOfNoop: (100 * cpuOf(throughput.noop, "app")) / cpuOf(throughput.gateway, "app"),
    },
  };
}

function cpuOf(result: ThroughputResult, process: string): number {
  return result.cpuMsPerRequest[process] ?? Number.NaN;
}

function check(name: string, measured: number, limit: number, unit: TargetCheck["unit"], kind: TargetCheck["kind"]): TargetCheck {
  const met = Number.isFinite(measured) && (kind === "max" ? measured <= limit : measured >= limit);
  const missedBy = met || !Number.isFinite(measured) ? 0 : Math.abs(measured - limit);
  return { name, measured: round3(measured), limit, unit, kind, met, missedBy: round3(missedBy) };
}

function countErrors(phase: PhaseResults): number {
  const all = [...Object.values(phase.latency), ...Object.values(phase.ttft), ...Object.values(phase.throughput)];
  return all.reduce((sum, result) => sum + result.errors, 0);
}

/** The figures the issue asks for, each ratio taken between measurements of the same run. */
export function deriveFigures(logOnPhase: PhaseResults, logOffPhase: PhaseResults): BenchFigures {
  const logOn = variant(logOnPhase);
  const logOff = variant(logOffPhase);
  const rawPercentOfOff = (100 * logOn.throughput.rps) / logOff.throughput.rps;
  const normalizedPercentOfOff = (100 * logOn.throughput.percentOfNoop) / logOff.throughput.percentOfNoop;
  const costPercent = 100 - normalizedPercentOfOff;
  const cpuCostPercent = 100 - (100 * logOn.cpu.percentOfNoop) / logOff.cpu.percentOfNoop;
  const targets = [
    check("added p50 latency, log on (c=1)", logOn.latency.addedP50, TARGETS.addedP50Ms, "ms", "max"),
    check("added p99 latency, log on (c=1)", logOn.latency.addedP99, TARGETS.addedP99Ms, "ms", "max"),
    check("added p50 latency, log off (c=1)", logOff.latency.addedP50, TARGETS.addedP50Ms, "ms", "max"),
    check("added p99 latency, log off (c=1)", logOff.latency.addedP99, TARGETS.addedP99Ms, "ms", "max"),
    check("throughput, log on, % of no-op route (c=32, req/s)", logOn.throughput.percentOfNoop, TARGETS.throughputPercentOfNoop, "%", "min"),
    check("same, from app CPU per request", logOn.cpu.percentOfNoop, TARGETS.throughputPercentOfNoop, "%", "min"),
    check("cost of the request log, % of throughput (req/s)", costPercent, TARGETS.loggingCostPercent, "%", "max"),
    check("same, from app CPU per request", cpuCostPercent, TARGETS.loggingCostPercent, "%", "max"),
  ];
  return {
    logOn,
    logOff,
    logging: { rawPercentOfOff, normalizedPercentOfOff, costPercent, cpuCostPercent },
    targets,
    allTargetsMet: targets.every((t) => t.met),
    errors: countErrors(logOnPhase) + countErrors(logOffPhase),
  };
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(3) : "n/a");
const plusMs = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? "+" : ""}${value.toFixed(3)}` : "n/a");
const pct = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)}%` : "n/a");
const cpuMs = (value: number) => (Number.isFinite(value) ? value.toFixed(3) : "n/a");
const rps = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : "n/a");

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The markdown report: the same figures as the JSON, for people. */
export function renderMarkdown(figures: BenchFigures, context: { latencyRequests: number; ttftRequests: number; seconds: number; rounds: number; concurrency: number }): string {
  const { logOn, logOff } = figures;
  const parts: string[] = [];
  parts.push(
    `### Latency, concurrency 1, non-streamed chat, max_tokens 16 (${context.latencyRequests} requests per target, interleaved)`,
    table(
      ["target", "p50 ms", "p99 ms", "added p50 ms (vs direct)", "added p99 ms (vs direct)", "p50 ms over no-op", "p99 ms over no-op"],
      [logOn, logOff].flatMap((v, i) => {
        const run = i === 0 ? "log-on app" : "log-off app";
        const l = v.latency;
        return [
          [`direct to simulator (beside the ${run})`, ms(l.directP50), ms(l.directP99), "", "", "", ""],
          [`Next.js no-op route (POST /noop, ${run})`, ms(l.noopP50), ms(l.noopP99), plusMs(l.noopP50 - l.directP50), plusMs(l.noopP99 - l.directP99), "", ""],
          [`gateway, request log ${i === 0 ? "on" : "off"}`, ms(l.p50), ms(l.p99), plusMs(l.addedP50), plusMs(l.addedP99), plusMs(l.overNoopP50), plusMs(l.overNoopP99)],
        ];
      }),
    ),
    "",
    `### Throughput, concurrency ${context.concurrency}, ${context.seconds} s per target in ${context.rounds} alternating rounds (%: median of per-round ratios)`,
    table(
      ["target", "req/s", "% of no-op route", "% of direct", "app CPU ms/req", "sim CPU ms/req", "% of no-op by app CPU"],
      [
        ["direct to simulator (log-on run)", rps(logOn.throughput.directRps), "", "", "", cpuMs(logOn.cpu.directSimulatorMsPerRequest), ""],
        ["Next.js no-op route (log-on run)", rps(logOn.throughput.noopRps), "100.0%", "", cpuMs(logOn.cpu.noopAppMsPerRequest), "", "100.0%"],
        [
          "gateway, request log on",
          rps(logOn.throughput.rps),
          pct(logOn.throughput.percentOfNoop),
          pct(logOn.throughput.percentOfDirect),
          cpuMs(logOn.cpu.appMsPerRequest),
          cpuMs(logOn.cpu.simulatorMsPerRequest),
          pct(logOn.cpu.percentOfNoop),
        ],
        ["direct to simulator (log-off run)", rps(logOff.throughput.directRps), "", "", "", cpuMs(logOff.cpu.directSimulatorMsPerRequest), ""],
        ["Next.js no-op route (log-off run)", rps(logOff.throughput.noopRps), "100.0%", "", cpuMs(logOff.cpu.noopAppMsPerRequest), "", "100.0%"],
        [
          "gateway, request log off",
          rps(logOff.throughput.rps),
          pct(logOff.throughput.percentOfNoop),
          pct(logOff.throughput.percentOfDirect),
          cpuMs(logOff.cpu.appMsPerRequest),
          cpuMs(logOff.cpu.simulatorMsPerRequest),
          pct(logOff.cpu.percentOfNoop),
        ],
      ],
    ),
    "",
    `### Streaming TTFT, concurrency 1 (${context.ttftRequests} streams per target, interleaved)`,
    table(
      ["target", "p50 ms", "p99 ms", "added p50 ms", "added p99 ms"],
      [
        ["direct (log-on run)", ms(logOn.ttft.directP50), ms(logOn.ttft.directP99), "", ""],
        ["gateway, request log on", ms(logOn.ttft.p50), ms(logOn.ttft.p99), plusMs(logOn.ttft.addedP50), plusMs(logOn.ttft.addedP99)],
        ["direct (log-off run)", ms(logOff.ttft.directP50), ms(logOff.ttft.directP99), "", ""],
        ["gateway, request log off", ms(logOff.ttft.p50), ms(logOff.ttft.p99), plusMs(logOff.ttft.addedP50), plusMs(logOff.ttft.addedP99)],
      ],
    ),
    "",
    "### Cost of the request log",
    table(
      ["measure", "value"],
      [
        ["throughput log on / log off (raw req/s, two runs apart)", pct(figures.logging.rawPercentOfOff)],
        ["(log on % of its no-op) / (log off % of its no-op)", pct(figures.logging.normalizedPercentOfOff)],
        ["cost of logging by req/s (100% - the line above)", pct(figures.logging.costPercent)],
        ["cost of logging by app CPU per request (each against its own no-op)", pct(figures.logging.cpuCostPercent)],
      ],
    ),
    "",
    "### Targets",
    table(
      ["target", "measured", "limit", "met", "missed by"],
      figures.targets.map((t) => [
        t.name,
        `${t.measured}${t.unit === "%" ? "%" : " ms"}`,
        `${t.kind === "max" ? "<=" : ">="} ${t.limit}${t.unit === "%" ? "%" : " ms"}`,
        t.met ? "yes" : "**no**",
        t.met ? "" : `${t.missedBy}${t.unit === "%" ? " pts" : " ms"}`,
      ]),
    ),
  );
  if (figures.errors > 0) parts.push("", `**${figures.errors} request(s) failed during the run; the figures above exclude them.**`);
  return parts.join("\n");
}
