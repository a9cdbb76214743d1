import type { ClientRequest } from "./clients";
import { median, round3 } from "../stats";

/** One recorded step of a lab operation, as /api/modes/switches/{id} returns it. */
export interface StepRecord {
  name: string;
  status: string;
  durationMs: number | null;
  detail: string | null;
}

/** One switch as the benchmark drove it: client-side times (ms since the run's start) and the operation's record. */
export interface SwitchRecord {
  from: string;
  to: string;
  requestedAt: number;
  /** When the mode was seen active (the operation ended). */
  endedAt: number;
  status: string;
  durationMs: number;
  steps: StepRecord[];
}

export interface SwitchFigures {
  label: string;
  status: string;
  totalMs: number;
  /** The engines' own time: waking them (`wake_engines`), or loading them cold (`start_containers` + `wait_ready` when nothing woke). */
  engineMs: number;
  /** What the switch added to the engines' own time: draining, sleeping or stopping, the memory check, the probe. */
  overheadMs: number;
  steps: { name: string; ms: number; detail: string | null }[];
  /** Requests sent while the switch ran or in flight when it began. */
  requests: number;
  served: number;
  refusedWithRetryAfter: number;
  lost: number;
  /** Per client, the longest a request waited for its first content. */
  longestWaitMsByClient: Record<string, number>;
}

export interface RunFigures {
  label: string;
  switches: SwitchFigures[];
  totalSwitchMs: number;
  requests: number;
  served: number;
  refusedWithRetryAfter: number;
  lost: number;
  /** Median time to first content of the requests that ran outside every switch: the baseline a wait is compared with. */
  baselineFirstContentMs: number;
}

const stepMs = (steps: StepRecord[], name: string) => steps.filter((s) => s.name === name).reduce((sum, s) => sum + (s.durationMs ?? 0), 0);

function engineTimeMs(steps: StepRecord[]): number {
  const wake = stepMs(steps, "wake_engines");
  const coldStarted = steps.some((s) => s.name === "start_containers" && s.detail !== null && !/^nothing to start/.test(s.detail));
  return wake + (coldStarted ? stepMs(steps, "start_containers") + stepMs(steps, "wait_ready") : 0);
}

/** A request refused the way a client can act on: 503 with Retry-After. Anything else that is not served is lost. */
const isRefusedWithRetryAfter = (r: ClientRequest) => r.status === 503 && r.retryAfter !== null && r.retryAfter > 0;

function tally(requests: ClientRequest[]) {
  const served = requests.filter((r) => r.completed).length;
  const refusedWithRetryAfter = requests.filter(isRefusedWithRetryAfter).length;
  return { requests: requests.length, served, refusedWithRetryAfter, lost: requests.length - served - refusedWithRetryAfter };
}

export function summarizeSwitchRun(label: string, switches: SwitchRecord[], requests: ClientRequest[]): RunFigures {
  const overlaps = (r: ClientRequest, s: SwitchRecord) => r.sentAt <= s.endedAt && r.endedAt >= s.requestedAt;
  const outside = requests.filter((r) => r.firstContentAt !== null && !switches.some((s) => overlaps(r, s)));
  const figures = switches.map((s): SwitchFigures => {
    const during = requests.filter((r) => overlaps(r, s));
    const longestWaitMsByClient: Record<string, number> = {};
    for (const r of during) {
      const waited = (r.firstContentAt ?? r.endedAt) - r.sentAt;
      longestWaitMsByClient[r.client] = Math.max(longestWaitMsByClient[r.client] ?? 0, round3(waited));
    }
    const engineMs = engineTimeMs(s.steps);
    return {
      label: `${s.from} -> ${s.to}`,
      status: s.status,
      totalMs: round3(s.durationMs),
      engineMs: round3(engineMs),
      overheadMs: round3(s.durationMs - engineMs),
      steps: s.steps.map((step) => ({ name: step.name, ms: round3(step.durationMs ?? 0), detail: step.detail })),
      ...tally(during),
      longestWaitMsByClient,
    };
  });
  return {
    label,
    switches: figures,
    totalSwitchMs: round3(figures.reduce((sum, f) => sum + f.totalMs, 0)),
    ...tally(requests),
    baselineFirstContentMs: round3(median(outside.map((r) => (r.firstContentAt as number) - r.sentAt))),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function renderSwitchMarkdown(runs: RunFigures[], scale: number): string {
  const lines = [`## Mode switches (simulated lab, load and wake times of the real lab / ${scale})`, ""];
  lines.push("| run | switch | result | total | engines' own | added by the switch | requests | served | 503 + Retry-After | lost | longest wait per client |");
  lines.push("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const run of runs) {
    for (const s of run.switches) {
      const waits = Object.entries(s.longestWaitMsByClient).map(([client, ms]) => `${client} ${seconds(ms)}`).join(", ");
      lines.push(`| ${run.label} | ${s.label} | ${s.status} | ${seconds(s.totalMs)} | ${seconds(s.engineMs)} | ${seconds(s.overheadMs)} | ${s.requests} | ${s.served} | ${s.refusedWithRetryAfter} | ${s.lost} | ${waits} |`);
    }
  }
  lines.push("", "| run | all switches | requests | served | 503 + Retry-After | lost | baseline time to first content |", "|---|---|---|---|---|---|---|");
  for (const run of runs) {
    lines.push(`| ${run.label} | ${seconds(run.totalSwitchMs)} | ${run.requests} | ${run.served} | ${run.refusedWithRetryAfter} | ${run.lost} | ${run.baselineFirstContentMs.toFixed(0)} ms |`);
  }
  const [cold, sleep] = runs;
  if (cold && sleep && sleep.totalSwitchMs > 0) {
    lines.push("", `Sleep vs cold, same run: all switches ${(cold.totalSwitchMs / sleep.totalSwitchMs).toFixed(1)}x faster with sleep.`);
  }
  lines.push("", "Steps of each switch (ms):", "");
  for (const run of runs) {
    for (const s of run.switches) {
      lines.push(`- ${run.label}, ${s.label}: ${s.steps.map((step) => `${step.name} ${step.ms.toFixed(0)}`).join(" · ")}`);
    }
  }
  return lines.join("\n");
}
