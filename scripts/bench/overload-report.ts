import type { OverloadRequestRecord } from "./overload-request";
import { table } from "./report";
import { round3, summarize, type LatencySummary } from "./stats";

/** Everything one part of the overload run sent, and when the interactive client ran (run clock, ms). */
export interface OverloadPhaseRecords {
  window: { startMs: number; endMs: number };
  interactive: OverloadRequestRecord[];
  /** Empty for the unloaded part. */
  batch: OverloadRequestRecord[];
  /** The simulator's running and waiting sequences, sampled through the part. */
  simulator?: { running: number[]; waiting: number[] };
}

export interface OverloadRecords {
  unloaded: OverloadPhaseRecords;
  admissionOn: OverloadPhaseRecords;
  admissionOff: OverloadPhaseRecords;
}

export interface LaneCounts {
  sent: number;
  served: number;
  /** Refused with 429 / 503, each with a Retry-After. */
  refused429: number;
  refused503: number;
  lost: number;
}

export interface InteractiveFigures extends LaneCounts {
  /** TTFT of the served requests (a refused request has none; see `refused*`). */
  ttft: LatencySummary;
  /** This run's percentile over the unloaded one. */
  p50VsUnloaded: number;
  p99VsUnloaded: number;
  /**
   * The p99 over every request sent, a refused or lost one counting as a first token that never came (Infinity),
   * over the unloaded p99: what the target judges, so that refusing interactive traffic cannot pass for speed.
   */
  p99OfAllSentVsUnloaded: number;
}

export interface BatchFigures extends LaneCounts {
  /** Batch requests that ended within the interactive window, per second of it. */
  servedPerSecond: number;
  refusedPerSecond: number;
}

/** Where requests waited: sequences running in vLLM (the simulator) and waiting in its own queue. */
export interface EngineFigures {
  meanRunning: number;
  maxRunning: number;
  meanWaiting: number;
  maxWaiting: number;
}

export interface OverloadPhaseFigures {
  interactive: InteractiveFigures;
  batch: BatchFigures;
  /** null when the simulator was not sampled. */
  engine: EngineFigures | null;
}

export interface OverloadTargetCheck {
  name: string;
  measured: number;
  limit: number;
  unit: "x" | "requests";
  met: boolean;
}

export interface OverloadFigures {
  unloaded: OverloadPhaseFigures;
  admissionOn: OverloadPhaseFigures;
  admissionOff: OverloadPhaseFigures;
  /** Requests of any part that ended neither served nor refused with Retry-After. */
  lost: number;
  /** Why they were lost, with how many each. */
  lostBecause: Record<string, number>;
  targets: OverloadTargetCheck[];
  allTargetsMet: boolean;
}

/** The targets for the overload run. */
export const OVERLOAD_TARGETS = {
  /** Interactive TTFT p99 with admission on, as a multiple of the unloaded p99. */
  interactiveP99VsUnloaded: 1.5,
  lostRequests: 0,
} as const;

function countLane(records: readonly OverloadRequestRecord[]): LaneCounts {
  const counts: LaneCounts = { sent: records.length, served: 0, refused429: 0, refused503: 0, lost: 0 };
  for (const record of records) {
    if (record.outcome === "served") counts.served += 1;
    else if (record.outcome === "lost") counts.lost += 1;
    else if (record.status === 429) counts.refused429 += 1;
    else counts.refused503 += 1;
  }
  return counts;
}

function servedTtfts(records: readonly OverloadRequestRecord[]): number[] {
  return records.filter((r) => r.outcome === "served" && r.ttftMs !== null).map((r) => r.ttftMs as number);
}

function phaseFigures(phase: OverloadPhaseRecords, unloadedTtft: LatencySummary | null): OverloadPhaseFigures {
  const ttft = summarize(servedTtfts(phase.interactive));
  const baseline = unloadedTtft ?? ttft;
  const ttftOfAllSent = summarize(phase.interactive.map((r) => (r.outcome === "served" && r.ttftMs !== null ? r.ttftMs : Number.POSITIVE_INFINITY)));
  const seconds = (phase.window.endMs - phase.window.startMs) / 1000;
  const inWindow = phase.batch.filter((r) => r.endedMs >= phase.window.startMs && r.endedMs <= phase.window.endMs);
  const windowCounts = countLane(inWindow);
  const perSecond = (n: number) => (seconds > 0 ? n / seconds : Number.NaN);
  return {
    interactive: {
      ...countLane(phase.interactive),
      ttft,
      p50VsUnloaded: ttft.p50 / baseline.p50,
      p99VsUnloaded: ttft.p99 / baseline.p99,
      p99OfAllSentVsUnloaded: ttftOfAllSent.p99 / baseline.p99,
    },
    batch: {
      ...countLane(phase.batch),
      servedPerSecond: perSecond(windowCounts.served),
      refusedPerSecond: perSecond(windowCounts.refused429 + windowCounts.refused503),
    },
    engine: engineFigures(phase.simulator),
  };
}

function engineFigures(samples: OverloadPhaseRecords["simulator"]): EngineFigures | null {
  if (!samples || samples.running.length === 0) return null;
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return { meanRunning: mean(samples.running), maxRunning: Math.max(...samples.running), meanWaiting: mean(samples.waiting), maxWaiting: Math.max(...samples.waiting) };
}

/** The overload figures: every TTFT ratio is against the interactive client alone on the same app and simulator. */
export function deriveOverloadFigures(records: OverloadRecords): OverloadFigures {
  const unloaded = phaseFigures(records.unloaded, null);
  const admissionOn = phaseFigures(records.admissionOn, unloaded.interactive.ttft);
  const admissionOff = phaseFigures(records.admissionOff, unloaded.interactive.ttft);
  const everything = [records.unloaded, records.admissionOn, records.admissionOff].flatMap((p) => [...p.interactive, ...p.batch]);
  const lostBecause: Record<string, number> = {};
  for (const record of everything) {
    if (record.outcome === "lost") lostBecause[`${record.lane}: ${record.problem ?? "unknown"}`] = (lostBecause[`${record.lane}: ${record.problem ?? "unknown"}`] ?? 0) + 1;
  }
  const lost = Object.values(lostBecause).reduce((a, b) => a + b, 0);
  const p99Ratio = admissionOn.interactive.p99OfAllSentVsUnloaded;
  const targets: OverloadTargetCheck[] = [
    {
      name: "interactive TTFT p99 with admission on, x unloaded p99 (a refused request counts as no first token)",
      measured: Number.isFinite(p99Ratio) ? round3(p99Ratio) : p99Ratio,
      limit: OVERLOAD_TARGETS.interactiveP99VsUnloaded,
      unit: "x",
      met: Number.isFinite(p99Ratio) && p99Ratio <= OVERLOAD_TARGETS.interactiveP99VsUnloaded,
    },
    { name: "requests lost (neither served nor refused with 429/503 + Retry-After), all runs", measured: lost, limit: OVERLOAD_TARGETS.lostRequests, unit: "requests", met: lost <= OVERLOAD_TARGETS.lostRequests },
  ];
  return { unloaded, admissionOn, admissionOff, lost, lostBecause, targets, allTargetsMet: targets.every((t) => t.met) };
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : "n/a");
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : "n/a");
const rate = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "n/a");
const engine = (e: EngineFigures | null) => (e ? `${e.meanRunning.toFixed(1)} (${e.maxRunning}) / ${e.meanWaiting.toFixed(1)} (${e.maxWaiting})` : "n/a");
const refusals = (c: LaneCounts) => (c.refused429 + c.refused503 === 0 ? "0" : `${c.refused429 + c.refused503} (${c.refused429} x 429, ${c.refused503} x 503)`);

function measuredText(t: OverloadTargetCheck, figures: OverloadFigures): string {
  if (t.unit !== "x") return String(t.measured);
  if (t.measured !== Number.POSITIVE_INFINITY) return times(t.measured);
  const i = figures.admissionOn.interactive;
  return `none: over 1% without a first token (${i.refused429 + i.refused503} refused, ${i.lost} lost of ${i.sent})`;
}

export interface OverloadContext {
  /** One line on the simulator and the load, for the heading. */
  setup: string;
  /** Row labels, e.g. "admission on (maxConcurrency 6, maxQueue 8)". */
  labels: { unloaded: string; admissionOn: string; admissionOff: string };
}

export function renderOverloadMarkdown(figures: OverloadFigures, context: OverloadContext): string {
  const rows = (["unloaded", "admissionOn", "admissionOff"] as const).map((key) => {
    const { interactive: i, batch: b } = figures[key];
    const loaded = key !== "unloaded";
    return [
      context.labels[key],
      `${i.served}/${i.sent}`,
      refusals(i),
      ms(i.ttft.p50),
      ms(i.ttft.p99),
      loaded ? times(i.p50VsUnloaded) : "1.00x",
      loaded ? times(i.p99VsUnloaded) : "1.00x",
      loaded ? `${rate(b.servedPerSecond)} (${b.served} in all)` : "",
      loaded ? `${rate(b.refusedPerSecond)} (${refusals(b)} in all)` : "",
      engine(figures[key].engine),
      String(i.lost + b.lost),
    ];
  });
  const parts = [
    `### Overload: interactive TTFT beside a batch client at 2x capacity (${context.setup})`,
    table(
      ["run", "interactive served/sent", "interactive refused", "TTFT p50 ms", "TTFT p99 ms", "p50 vs unloaded", "p99 vs unloaded", "batch served/s", "batch refused/s", "vLLM running / waiting: mean (max)", "lost"],
      rows,
    ),
    "",
    "TTFT is taken by the client, to the first event carrying text. Percentiles are nearest-rank: below 100 served requests the p99 is the slowest one, so a single hiccup of a shared machine sets it (compare the p50s).",
    "",
    "### Overload targets",
    table(
      ["target", "measured", "limit", "met"],
      figures.targets.map((t) => [t.name, measuredText(t, figures), `<= ${t.unit === "x" ? times(t.limit) : t.limit}`, t.met ? "yes" : "**no**"]),
    ),
  ];
  if (figures.lost > 0) {
    parts.push("", "Lost requests:", ...Object.entries(figures.lostBecause).map(([why, n]) => `- ${n} x ${why}`));
  }
  const refusedInteractive = figures.admissionOn.interactive.refused429 + figures.admissionOn.interactive.refused503;
  if (refusedInteractive > 0) {
    parts.push("", `**${refusedInteractive} interactive request(s) were refused with admission on**: they have no TTFT, so the percentiles above cover only the ${figures.admissionOn.interactive.served} served.`);
  }
  return parts.join("\n");
}
