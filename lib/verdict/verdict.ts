// The lab's health in one word (green, amber, red) and the reasons, for the top of the overview. Pure: the inputs are
// gathered by lib/api/verdict.ts from the backends' states, the recent lab events and operations, the request-log
// rollups (never the raw log) and the config store; the rules are here, with their thresholds.

import type { RequestLogOutcome } from "@/lib/request-log/record";
import { clientFailures } from "@/lib/request-log/rollup";

export type VerdictLevel = "green" | "amber" | "red";

/** What an operator should do about a problem: red, act now; amber, look soon; info, worth knowing, not a fault. */
export type ProblemLevel = "red" | "amber" | "info";

export type ProblemKind =
  | "backend_down"
  | "backend_starting"
  | "backend_restarting"
  | "backend_crashed"
  | "backend_unhealthy"
  | "server_errors"
  | "switch_failed"
  | "watchdog_failed"
  | "config_invalid"
  | "runtime_unreachable"
  | "operation_running"
  | "simulated";

/** The request-log filters (GET /api/requests' names) that show a problem's requests. */
export interface RequestLogLink {
  backend?: string;
  status?: string[];
  outcome?: RequestLogOutcome[];
  from: string;
}

/** The lab events (GET /api/lab-events' names) about a problem. */
export interface LabEventsLink {
  backendId?: string;
  kind?: string;
}

export interface VerdictProblem {
  /** Stable across refreshes while the problem lasts (a React key, a test id). */
  id: string;
  level: ProblemLevel;
  kind: ProblemKind;
  message: string;
  backendId: string | null;
  /** When it happened or began (ISO), when known. */
  at: string | null;
  /** Still going on (it sets the verdict), or over but recent (it is listed under "recent problems" only). */
  current: boolean;
  requests: RequestLogLink | null;
  labEvents: LabEventsLink | null;
}

export interface HealthVerdict {
  level: VerdictLevel;
  /** One line: "qwen-14b is down" or "2 problems: …", "All 3 backends of standard serving, …", "Switching from standard to deep, …". */
  summary: string;
  /** Current problems first (red, amber, info), then the recent ones, newest first. */
  problems: VerdictProblem[];
  /** The span "recent" covers: lab events and operations since `recentFrom`, client errors since `errorsFrom`. */
  recentFrom: string;
  errorsFrom: string;
  at: string;
}

export interface VerdictInputs {
  now: number;
  mode: string;
  operation: { id: string; kind: "mode_switch" | "restart"; backendId: string | null; toMode: string | null; requestedBy: string; reason: string | null; startedAt: number } | null;
  backends: { id: string; inCurrentMode: boolean; state: "ready" | "loading" | "draining" | "stopped" | "asleep" | "down" | "unhealthy"; stateReason: string | null }[];
  runtime: { kind: string; reachable: boolean; error: string | null };
  configError: string | null;
  simulated: { gpus: boolean; engines: boolean };
  /**
   * Finished requests per backend ("" = answered before reaching one) since `errorsFrom`, from the rollups: those
   * answered 5xx, and the streams cut after their 200 went out (failedStreams; status 2xx, outcome upstream_error or
   * timeout), errors to their clients as much as a 5xx.
   */
  traffic: { backend: string; requests: number; status5xx: number; failedStreams: number }[];
  errorsFrom: number;
  /** Lab events since `recentFrom`, any order. */
  events: { id: number; at: number; kind: string; severity: "info" | "warning" | "error"; backendId: string | null; message: string }[];
  /** Operations started since `recentFrom`, any order. */
  operations: {
    id: string;
    kind: "mode_switch" | "restart";
    backendId: string | null;
    fromMode: string | null;
    toMode: string | null;
    status: string;
    error: string | null;
    startedAt: number;
    finishedAt: number | null;
  }[];
  recentFrom: number;
}

/** How far back "recent problems" reach. */
export const RECENT_PROBLEMS_MS = 15 * 60_000;
/** A share of requests answered 5xx at or above this is red; any 5xx below it is amber. */
export const SERVER_ERROR_RED_SHARE = 0.05;

/** A health change this close to a crash of the same backend is taken for the crash's echo. */
const CRASH_ECHO_MS = 30_000;

const LEVEL_ORDER: Record<ProblemLevel, number> = { red: 0, amber: 1, info: 2 };

const iso = (ms: number) => new Date(ms).toISOString();
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** The verdict: red if any current problem is red, amber if any is amber, else green (info notes never colour it). */
export function computeVerdict(inputs: VerdictInputs): HealthVerdict {
  const current = [...currentProblems(inputs)].sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
  const recent = recentProblems(inputs, current).sort((a, b) => Date.parse(b.at ?? "") - Date.parse(a.at ?? ""));
  const faults = current.filter((p) => p.level !== "info");
  const level: VerdictLevel = faults.some((p) => p.level === "red") ? "red" : faults.length > 0 ? "amber" : "green";
  const summary =
    faults.length === 0
      ? healthySummary(inputs)
      : faults.length === 1
        ? faults[0]!.message
        : `${plural(faults.length, "problem")}: ${faults.map((p) => p.message).join("; ")}`;
  return { level, summary, problems: [...current, ...recent], recentFrom: iso(inputs.recentFrom), errorsFrom: iso(inputs.errorsFrom), at: iso(inputs.now) };
}

/** The one line of a lab without faults. During a mode switch its backends drain, sleep and load: it is not "serving". */
function healthySummary(inputs: VerdictInputs): string {
  const { operation, mode } = inputs;
  if (operation?.kind === "mode_switch") return `Switching from ${mode} to ${operation.toMode ?? "?"}, no errors to clients`;
  const serving = inputs.backends.filter((b) => b.inCurrentMode);
  if (serving.length === 0) return `Mode ${mode} runs no backend`;
  if (serving.length === 1) return `${serving[0]!.id}, the one backend of ${mode}, serving, no errors to clients`;
  return `All ${plural(serving.length, "backend")} of ${mode} serving, no errors to clients`;
}

function* currentProblems(inputs: VerdictInputs): Generator<VerdictProblem> {
  const { operation } = inputs;
  const errorsLink = (backend?: string): RequestLogLink => ({ ...(backend ? { backend } : {}), status: ["5xx"], from: iso(inputs.errorsFrom) });
  const problem = (p: Omit<VerdictProblem, "current" | "at"> & { at?: string | null }): VerdictProblem => ({ at: null, ...p, current: true });

  if (!inputs.runtime.reachable) {
    yield problem({
      id: "runtime",
      level: "red",
      kind: "runtime_unreachable",
      message: `The container runtime (${inputs.runtime.kind}) is unreachable${inputs.runtime.error ? `: ${inputs.runtime.error}` : ""}`,
      backendId: null,
      requests: null,
      labEvents: { kind: "runtime" },
    });
  }

  const restarting = operation?.kind === "restart" ? operation.backendId : null;
  for (const backend of inputs.backends) {
    if (!backend.inCurrentMode) continue;
    const events: LabEventsLink = { backendId: backend.id };
    if (backend.id === restarting && operation) {
      // A restart the watchdog started is a crash being repaired; one an operator asked for is planned.
      const byWatchdog = operation.requestedBy === "watchdog";
      yield problem({
        id: `backend-${backend.id}`,
        level: byWatchdog ? "red" : "amber",
        kind: "backend_restarting",
        message: byWatchdog ? `${backend.id} crashed; the watchdog is restarting it${operation.reason ? ` (${operation.reason})` : ""}` : `${backend.id} is restarting (requested from the ${operation.requestedBy})`,
        backendId: backend.id,
        at: iso(operation.startedAt),
        requests: errorsLink(backend.id),
        labEvents: events,
      });
      continue;
    }
    // During a mode switch the leaving and entering backends are expected to stop and load: the switch is the news.
    if (operation?.kind === "mode_switch") continue;
    if (backend.state === "down" || backend.state === "unhealthy") {
      yield problem({
        id: `backend-${backend.id}`,
        level: "red",
        kind: backend.state === "down" ? "backend_down" : "backend_unhealthy",
        message: `${backend.id} is ${backend.state}${backend.stateReason ? `: ${backend.stateReason}` : ""}`,
        backendId: backend.id,
        requests: errorsLink(backend.id),
        labEvents: events,
      });
    } else if (backend.state === "loading" || backend.state === "stopped" || backend.state === "asleep") {
      yield problem({
        id: `backend-${backend.id}`,
        level: "amber",
        kind: "backend_starting",
        message: `${backend.id} is not serving yet (${backend.state}${backend.stateReason ? `: ${backend.stateReason}` : ""})`,
        backendId: backend.id,
        requests: null,
        labEvents: events,
      });
    }
  }

  for (const traffic of inputs.traffic) {
    const failed = clientFailures(traffic);
    if (failed === 0) continue;
    const share = traffic.requests > 0 ? failed / traffic.requests : 1;
    const where = traffic.backend ? `through ${traffic.backend}` : "before reaching a backend (none available)";
    yield problem({
      id: `errors-${traffic.backend || "none"}`,
      level: share >= SERVER_ERROR_RED_SHARE ? "red" : "amber",
      kind: "server_errors",
      message: `${plural(failed, "request")} of ${traffic.requests.toLocaleString("en-US")} ${failureWords(traffic)} ${where} since ${new Date(inputs.errorsFrom).toISOString().slice(11, 16)} UTC`,
      backendId: traffic.backend || null,
      requests: failedRequestsLink(traffic, inputs.errorsFrom),
      labEvents: traffic.backend ? { backendId: traffic.backend } : null,
    });
  }

  // The newest finished operation failed or rolled back: the lab is not in the state that was asked for.
  const lastFinished = inputs.operations.filter((op) => op.status !== "running").sort((a, b) => b.startedAt - a.startedAt)[0];
  if (lastFinished && (lastFinished.status === "failed" || lastFinished.status === "rolled_back")) yield { ...operationProblem(lastFinished, inputs), current: true };

  if (inputs.configError) {
    yield problem({
      id: "config",
      level: "amber",
      kind: "config_invalid",
      message: `The config file is invalid; the last good config stays in force: ${inputs.configError}`,
      backendId: null,
      requests: null,
      labEvents: null,
    });
  }

  // A restart is already said by its backend's problem above.
  if (operation?.kind === "mode_switch") {
    yield problem({
      id: `operation-${operation.id}`,
      level: "info",
      kind: "operation_running",
      message: `Mode switch to ${operation.toMode ?? "?"} in progress`,
      backendId: null,
      at: iso(operation.startedAt),
      requests: null,
      labEvents: null,
    });
  }

  if (inputs.simulated.gpus || inputs.simulated.engines) {
    const what = [inputs.simulated.gpus ? "GPU telemetry" : null, inputs.simulated.engines ? "the engines" : null].filter(Boolean).join(" and ");
    yield problem({ id: "simulated", level: "info", kind: "simulated", message: `Simulated data: ${what} come from Switchyard's simulator`, backendId: null, requests: null, labEvents: null });
  }
}

function operationProblem(op: VerdictInputs["operations"][number], inputs: Pick<VerdictInputs, "now">): VerdictProblem {
  const what = op.kind === "restart" ? `The restart of ${op.backendId ?? "a backend"}` : `The switch from ${op.fromMode ?? "?"} to ${op.toMode ?? "?"}`;
  const end = op.finishedAt ?? inputs.now;
  return {
    id: `operation-${op.id}`,
    level: "amber",
    kind: "switch_failed",
    message: `${what} ${op.status === "rolled_back" ? "was rolled back" : "failed"}${op.error ? `: ${op.error}` : ""}`,
    backendId: op.backendId,
    at: iso(end),
    current: false,
    requests: { ...(op.backendId ? { backend: op.backendId } : {}), status: ["5xx"], from: iso(op.startedAt) },
    labEvents: { ...(op.backendId ? { backendId: op.backendId } : {}), kind: op.kind },
  };
}

/** Problems of the recent past that are over (a crash the watchdog repaired, a switch that failed before the last one). */
function recentProblems(inputs: VerdictInputs, current: readonly VerdictProblem[]): VerdictProblem[] {
  const listed = new Set(current.map((p) => p.id));
  const found: VerdictProblem[] = [];
  const isCrash = (event: VerdictInputs["events"][number]) => event.kind === "container_exit" || event.kind === "oom";
  const crashes = inputs.events.filter(isCrash);
  for (const event of inputs.events) {
    const crash = isCrash(event);
    const watchdogFailed = event.kind === "watchdog_restart" && event.severity === "error";
    const unhealthy = event.kind === "health_change" && event.severity !== "info";
    if (!crash && !watchdogFailed && !unhealthy) continue;
    // A crash marks its backend down at once: that health change is the crash again, not a second problem.
    if (unhealthy && crashes.some((c) => c.backendId === event.backendId && Math.abs(c.at - event.at) <= CRASH_ECHO_MS)) continue;
    found.push({
      id: `event-${event.id}`,
      level: crash || watchdogFailed ? "red" : "amber",
      kind: crash ? "backend_crashed" : watchdogFailed ? "watchdog_failed" : "backend_unhealthy",
      message: event.message,
      backendId: event.backendId,
      at: iso(event.at),
      current: false,
      // The requests that failed around it: from a minute before the event.
      requests: event.backendId ? { backend: event.backendId, status: ["5xx"], from: iso(Math.max(event.at - 60_000, inputs.recentFrom)) } : null,
      labEvents: event.backendId ? { backendId: event.backendId } : { kind: event.kind },
    });
  }
  for (const op of inputs.operations) {
    if (op.status !== "failed" && op.status !== "rolled_back") continue;
    const problem = operationProblem(op, inputs);
    if (!listed.has(problem.id)) found.push(problem);
  }
  return found;
}

/** How requests failed their clients: answered 5xx, cut mid-stream after a 200, or both (with the split). */
function failureWords(traffic: VerdictInputs["traffic"][number]): string {
  if (traffic.failedStreams === 0) return "answered 5xx";
  if (traffic.status5xx === 0) return "failed mid-stream after their 200";
  return `failed (${traffic.status5xx.toLocaleString("en-US")} answered 5xx, ${traffic.failedStreams.toLocaleString("en-US")} cut mid-stream after their 200)`;
}

/** The failed requests in the log: by status class, by outcome for cut streams, by backend and time only for both. */
function failedRequestsLink(traffic: VerdictInputs["traffic"][number], errorsFrom: number): RequestLogLink {
  const backend = traffic.backend ? { backend: traffic.backend } : {};
  const from = new Date(errorsFrom).toISOString();
  if (traffic.failedStreams === 0) return { ...backend, status: ["5xx"], from };
  if (traffic.status5xx === 0) return { ...backend, status: ["2xx"], outcome: ["upstream_error", "timeout"], from };
  return { ...backend, from };
}
