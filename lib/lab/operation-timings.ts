import type { LabConfig } from "@/lib/config/schema";
import { backendsOfMode } from "@/lib/routing/resolve";
import type { OperationView } from "./controller";
import type { TimingKind, TimingSample } from "./estimator";

/**
 * What a finished operation says about how long things take: the whole operation, each step, and what happened to
 * each backend in it. Only succeeded operations count (a failure's times say nothing about the next run's).
 */

/**
 * Steps that concern one side of the operation, by name, and what they measure for each backend on that side.
 * Steps load or stop a side's backends together, so each gets the step's time: the time until all were done, which
 * is what a request waiting for any of them sees. `cold_load` is start_containers + wait_ready. A backend counts only
 * when the kind's own step says it did that to it (`started a, b`; `a awake in 2.4 s`): in a sleep switch the
 * engines that woke were not cold-loaded, and their near-instant wait_ready must not pull the cold-load median down.
 */
const BACKEND_STEPS: {
  kind: Exclude<TimingKind, "switch" | "switch_step" | "restart" | "restart_step">;
  side: "entering" | "leaving";
  steps: (name: string) => boolean;
  /** Whether the step that does this kind of thing (its detail) names the backend; a step without detail names all. */
  did: (steps: OperationView["steps"], backendId: string) => boolean;
}[] = [
  { kind: "cold_load", side: "entering", steps: (name) => name === "start_containers" || name === "wait_ready", did: (steps, id) => listedAfter(steps, "start_containers", "started ", id) },
  { kind: "wake", side: "entering", steps: (name) => /(^|_)wake(_|$)/.test(name), did: (steps, id) => detailSays(steps, /(^|_)wake(_|$)/, `${id} awake`) },
  { kind: "sleep", side: "leaving", steps: (name) => /(^|_)sleep(_|$)/.test(name), did: (steps, id) => detailSays(steps, /(^|_)sleep(_|$)/, `${id} asleep`) },
  { kind: "stop", side: "leaving", steps: (name) => name === "stop_containers", did: (steps, id) => listedAfter(steps, "stop_containers", "stopped ", id) },
];

/** The named step's detail is "<prefix>a, b, c" and lists the backend (or has no detail). */
function listedAfter(steps: OperationView["steps"], name: string, prefix: string, backendId: string): boolean {
  const detail = steps.find((step) => step.name === name)?.detail;
  if (detail === null || detail === undefined) return true;
  return detail.startsWith(prefix) && detail.slice(prefix.length).split(", ").includes(backendId);
}

/** A step whose name matches has a detail saying `phrase` (or has no detail). */
function detailSays(steps: OperationView["steps"], name: RegExp, phrase: string): boolean {
  const detail = steps.find((step) => name.test(step.name))?.detail;
  return detail === null || detail === undefined || detail.includes(phrase);
}

/** The samples a finished operation yields; none unless it succeeded. `endedAt` is when it ended (epoch ms). */
export function timingsOfOperation(op: OperationView, config: LabConfig, endedAt: number): TimingSample[] {
  if (op.status !== "succeeded") return [];
  const base = { at: endedAt, step: null, backendId: null, fromMode: null, toMode: null };
  const isRestart = op.kind === "restart";
  const context = isRestart ? { backendId: op.backendId } : { fromMode: op.fromMode, toMode: op.toMode };
  const samples: TimingSample[] = [{ ...base, ...context, kind: isRestart ? "restart" : "switch", durationMs: endedAt - op.startedAt }];

  const finished = op.steps.filter((step) => step.status === "succeeded" && step.finishedAt !== null);
  for (const step of finished) {
    samples.push({ ...base, ...context, kind: isRestart ? "restart_step" : "switch_step", step: step.name, durationMs: step.finishedAt! - step.startedAt });
  }

  const sides = sidesOf(op, config);
  for (const rule of BACKEND_STEPS) {
    const steps = finished.filter((step) => rule.steps(step.name));
    if (steps.length === 0) continue;
    const durationMs = steps.reduce((sum, step) => sum + (step.finishedAt! - step.startedAt), 0);
    for (const backendId of sides[rule.side].filter((id) => rule.did(finished, id))) samples.push({ ...base, kind: rule.kind, backendId, durationMs });
  }
  return samples;
}

/** The backends an operation brings up and takes down: for a restart, the one backend both ways. Only ones Switchyard starts and stops. */
function sidesOf(op: OperationView, config: LabConfig): { entering: string[]; leaving: string[] } {
  const managed = (ids: string[]) => ids.filter((id) => isManaged(config, id));
  if (op.kind === "restart") {
    const ids = managed(op.backendId ? [op.backendId] : []);
    return { entering: ids, leaving: ids };
  }
  const from = backendsOfMode(config, op.fromMode ?? "");
  const to = backendsOfMode(config, op.toMode ?? "");
  return { entering: managed(to.filter((id) => !from.includes(id))), leaving: managed(from.filter((id) => !to.includes(id))) };
}

/** Whether Switchyard starts and stops this backend (as StepActions.managed decides); an external one has no load time. */
function isManaged(config: LabConfig, backendId: string): boolean {
  const backend = config.backends[backendId];
  return backend !== undefined && config.runtime !== "none" && (backend.container !== undefined || config.runtime === "simulated");
}
