import { defaultModeName, type LabConfig } from "@/lib/config/schema";
import { routeBackendsInMode, servingBackend } from "@/lib/routing/resolve";
import { GatewayError } from "./errors";
import type { LabView, RoutePlan, Routing } from "./route-plan";

/**
 * What a request waits for instead of a 503: a running mode switch or restart that brings a backend for its model,
 * an on-demand switch it started itself, or backends of the current mode that are loading or that the watchdog
 * brings back. `OperationWaiter` waits (bounded, keep-alives for streams); progress reporting hooks in there.
 */
export type LabWait =
  | { kind: "operation"; targetMode: string }
  | { kind: "on_demand"; targetMode: string; operationId: string }
  | { kind: "readiness"; mode: string; backends: { id: string; why: string }[] };

export type WaitRouting = { kind: "plan"; plan: RoutePlan } | { kind: "wait"; wait: LabWait };

/** The wait in a few words, for the log row, the keep-alive comments and the timeout's message. */
export function describeWait(wait: LabWait): string {
  switch (wait.kind) {
    case "operation":
      return `the lab operation towards mode ${wait.targetMode}`;
    case "on_demand":
      return `the on-demand switch to mode ${wait.targetMode}`;
    case "readiness":
      return `${wait.backends.map((b) => b.id).join(", ")} to get ready (${wait.backends.map((b) => b.why).join("; ")})`;
  }
}

export interface RouteOrWaitInput {
  config: LabConfig;
  lab: LabView;
  /** planRoute for this request: a plan, a wait for the running operation, or a GatewayError. */
  plan: () => Routing;
  model: string;
  caller: { keyId: string | null; keyName: string | null };
  requestId: number;
  /** How long the request may still wait: a backend that comes back later is as good as gone. */
  waitMs: number;
  /** Only on arrival: a request starts at most one on-demand switch, and never while it waits. */
  onDemand: boolean;
}

/**
 * The route of a request, or what it should wait for. planRoute's fast 503s are looked at once more here (slow
 * path only): `backend_unavailable` waits when a down backend will come back by itself in time, `model_offline`
 * starts an on-demand switch when the policy allows, or says which rule refused it.
 */
export async function routeOrWait(input: RouteOrWaitInput): Promise<WaitRouting> {
  let routing: Routing;
  try {
    routing = input.plan();
  } catch (thrown) {
    if (thrown instanceof GatewayError && thrown.code === "backend_unavailable") return waitForReadiness(input, thrown);
    if (thrown instanceof GatewayError && thrown.code === "model_offline" && input.onDemand) return switchOnDemand(input, thrown);
    throw thrown;
  }
  return routing.kind === "plan" ? routing : { kind: "wait", wait: { kind: "operation", targetMode: routing.targetMode } };
}

/**
 * After a refused connection to every candidate (a backend whose health was not known yet, at start-up): the
 * request was never sent, so it may wait like one planRoute found unhealthy. Null when nothing will come back.
 */
export async function waitAfterUnreachable(input: RouteOrWaitInput, error: unknown): Promise<LabWait | null> {
  if (!(error instanceof GatewayError) || error.code !== "backend_unavailable") return null;
  try {
    const routing = await waitForReadiness(input, error);
    return routing.kind === "wait" ? routing.wait : null;
  } catch {
    return null;
  }
}

async function waitForReadiness(input: RouteOrWaitInput, refusal: GatewayError): Promise<WaitRouting> {
  const { config, lab, model } = input;
  if (!lab.outlook) throw refusal;
  const mode = lab.currentMode();
  const down = routeBackendsInMode(config, mode, model).filter((id) => lab.isAdmitting(id) && !lab.isHealthy(id));
  const outlooks = await Promise.all(down.map(async (id) => ({ id, ...(await lab.outlook!(id, input.waitMs)) })));
  const coming = outlooks.filter((o) => o.coming).map(({ id, why }) => ({ id, why }));
  if (coming.length > 0) return { kind: "wait", wait: { kind: "readiness", mode, backends: coming } };
  if (outlooks.length === 0) throw refusal;
  throw new GatewayError(refusal.code, `${refusal.message} Not waiting: ${outlooks.map((o) => o.why).join("; ")}.`, refusal.options);
}

async function switchOnDemand(input: RouteOrWaitInput, refusal: GatewayError): Promise<WaitRouting> {
  const { config, lab, model } = input;
  const mode = lab.currentMode();
  const servedIn = Object.keys(config.modes).filter((other) => other !== mode && servingBackend(config, other, model) !== null);
  if (!lab.trySwitch || servingBackend(config, mode, model) !== null || servedIn.length === 0) throw refusal;
  const home = defaultModeName(config);
  const targetMode = servedIn.includes(home) ? home : (servedIn[0] as string);
  const verdict = lab.trySwitch({ model, targetMode, ...input.caller, requestId: input.requestId });
  if (verdict === null) throw refusal;
  if (verdict.started) return { kind: "wait", wait: { kind: "on_demand", targetMode, operationId: verdict.operationId } };
  throw new GatewayError(
    "model_offline",
    `\`${model}\` is served in mode ${targetMode}; the lab is in ${mode}. Switch in the console or POST /api/modes/${targetMode}/activate; on-demand switching refused: ${verdict.rule}.`,
    { param: "model", retryAfterSeconds: verdict.retryAfterSeconds ?? refusal.options.retryAfterSeconds },
  );
}

/**
 * Waits until the request can be routed: after each change of the lab (the operation ended, a health state
 * changed, at most every half second while backends load) it is routed afresh, and may find a new wait (a
 * restart the watchdog began). "left": the client went away; "timeout": `deadline` (performance.now()) passed.
 */
export async function waitUntilRoutable(
  lab: LabView,
  first: LabWait,
  replan: () => Promise<WaitRouting>,
  deadline: number,
  clientSignal: AbortSignal,
): Promise<{ plan: RoutePlan } | { ended: "left" | "timeout"; wait: LabWait }> {
  const clientLeft = new Promise<"left">((resolve) => {
    if (clientSignal.aborted) resolve("left");
    clientSignal.addEventListener("abort", () => resolve("left"), { once: true });
  });
  let wait = first;
  for (;;) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) return { ended: "timeout", wait };
    const change =
      wait.kind === "readiness" ? (lab.nextChange?.(remaining) ?? new Promise((resolve) => setTimeout(resolve, Math.min(remaining, 500)))) : lab.waitForOperation(remaining);
    if ((await Promise.race([change, clientLeft])) === "left") return { ended: "left", wait };
    let routing: WaitRouting;
    try {
      routing = await replan();
    } catch (error) {
      throw wait.kind === "on_demand" ? afterFailedSwitch(error, wait.targetMode) : error;
    }
    if (routing.kind === "plan") return { plan: routing.plan };
    wait = routing.wait;
  }
}

/** The on-demand switch a request waited for did not bring its model (it failed and rolled back). */
function afterFailedSwitch(error: unknown, targetMode: string): unknown {
  if (!(error instanceof GatewayError) || error.code !== "model_offline") return error;
  return new GatewayError("model_offline", `The on-demand switch to mode ${targetMode} did not succeed (see the console's switch history). ${error.message}`, error.options);
}
