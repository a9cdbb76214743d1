import type { LabConfig } from "@/lib/config/schema";
import { decideAuto, type AutoSignals, type SideLoad } from "@/lib/routing/auto";
import { allModelNames, candidatesInMode, findRoute, servingBackend } from "@/lib/routing/resolve";
import { fitsContext } from "./context-fit";
import { GatewayError } from "./errors";

/** What the gateway's routing view of the lab needs. */
export interface LabView {
  currentMode(): string;
  /** False while health checks or a recent connection failure say the backend is down. */
  isHealthy(backendId: string): boolean;
  /** Why a backend is not healthy, in a few words. */
  healthReason?(backendId: string): string | null;
  /** A connection to the backend failed: stop preferring it until a health check passes. */
  markUnreachable(backendId: string, reason: string): void;
  /** How a proxied request went, for passive health (ok = the backend answered, even with a 4xx or a 500). */
  recordTraffic(backendId: string, ok: boolean, reason: string): void;
  /** False while a lab operation keeps new requests off the backend (draining, stopped, loading). */
  isAdmitting(backendId: string): boolean;
  /** The mode the lab is switching to (or restarting within), while an operation runs. */
  pendingTargetMode(): string | null;
  /** Resolves true when the running operation ended, false when `timeoutMs` passed first. */
  waitForOperation(timeoutMs: number): Promise<boolean>;
  /** Whether a backend of the current mode that is down will come back by itself within `withinMs` (lab-wait.ts). */
  outlook?(backendId: string, withinMs: number): Promise<{ coming: boolean; why: string }>;
  /** Resolves at the next lab change that may let a waiting request through, or after `timeoutMs`. */
  nextChange?(timeoutMs: number): Promise<void>;
  /** On-demand switching (lib/lab/on-demand.ts): null while it is off, else the switch started or the rule that refused it. */
  trySwitch?(request: { model: string; targetMode: string; keyId: string | null; keyName: string | null; requestId: number }):
    | { started: true; operationId: string }
    | { started: false; rule: string; retryAfterSeconds: number | null }
    | null;
}

/** The route chosen and why: kept on the log row even when the request is then refused. */
type RouteDecision = Pick<RoutePlan, "route" | "reason">;

/** A plan, or: nothing can take the request now, but the running lab operation will bring a backend that can. */
export type Routing = { kind: "plan"; plan: RoutePlan } | { kind: "wait"; targetMode: string };

export interface RoutePlan {
  /** The route actually used (for `auto`: the side it chose). */
  route: string;
  /** Why: the auto router's reason, or the plain route name. */
  reason: string;
  mode: string;
  /** The route's candidates, in its order. */
  candidates: string[];
  /** Candidates to try, in the route's order: the mode's healthy ones (unhealthy ones are not tried at all). */
  attemptOrder: string[];
  /** Candidates of the mode left out because they are down or unhealthy, or their context cannot hold the prompt, and why. */
  skipped: { id: string; why: string }[];
  /** The prompt's size changed the choice (a backend or an auto side was passed over for its context). */
  contextFitActed: boolean;
}

/**
 * Resolves a requested model against the config and the current mode: 404 for a name no route or backend has,
 * 503 (model_offline) when the current mode serves none of its backends, 503 (backend_unavailable) when all of
 * those are down or unhealthy, and "wait" when a running mode switch will bring one.
 */
export function planRoute(
  config: LabConfig,
  lab: LabView,
  queuedOf: (backendId: string) => number,
  model: string,
  signals: AutoSignals,
  retryAfterSeconds: number,
): Routing {
  const mode = lab.currentMode();
  // With the prompt counted (it is, near a context limit), a backend whose context cannot hold it is no candidate.
  const holdsPrompt = (id: string) => signals.promptTokens === undefined || fitsContext(config, id, signals.promptTokens);
  const target = findRoute(config, model);
  if (!target) {
    const offline = allModelNames(config).filter((name) => !servesNow(config, mode, name));
    throw new GatewayError(
      "model_not_found",
      `The model \`${model}\` does not exist. Available models: ${servableNow(config, mode)}.${offline.length > 0 ? ` Offline in mode ${mode}: ${offline.join(", ")}.` : ""}`,
      { param: "model" },
    );
  }

  let route = target.route;
  let reason = `route ${route}`;
  let candidates: string[];
  let sideMovedForContext = false;
  if (target.kind === "auto") {
    const sideLoad = (routeName: string): SideLoad => {
      const live = candidatesInMode(config, mode, routeCandidates(config, routeName)).filter((id) => lab.isAdmitting(id));
      const ids = live.filter(holdsPrompt);
      const queued = ids.map(queuedOf);
      const why = live.length > 0 && ids.length === 0 ? `cannot hold the ${signals.promptTokens}-token prompt` : undefined;
      return { available: ids.length > 0, queued: queued.length > 0 ? Math.min(...queued) : 0, why };
    };
    const load = { fast: sideLoad(target.auto.fast), deep: sideLoad(target.auto.deep) };
    const decision = decideAuto(target.auto, signals, load);
    sideMovedForContext = [load.fast.why, load.deep.why].some((why) => why !== undefined && decision.reason.includes(why));
    route = decision.route;
    reason = decision.reason;
    candidates = routeCandidates(config, route);
  } else {
    candidates = target.candidates;
  }

  const inMode = candidatesInMode(config, mode, candidates).filter((id) => lab.isAdmitting(id));
  const targetMode = lab.pendingTargetMode();
  if (inMode.length === 0 && targetMode !== null && servingBackend(config, targetMode, model) !== null) {
    return { kind: "wait", targetMode };
  }
  const decided: RouteDecision = { route, reason };
  if (inMode.length === 0) throw offlineError(config, mode, model, targetMode, retryAfterSeconds, decided);
  const fitting = inMode.filter(holdsPrompt);
  if (fitting.length === 0) throw contextTooLong(config, inMode, signals.promptTokens ?? 0, decided);
  // Backends known to be down or unhealthy are skipped (a fast 503) until their health probe passes again.
  const attemptOrder = fitting.filter((id) => lab.isHealthy(id));
  const skipped = [
    ...inMode.filter((id) => !fitting.includes(id)).map((id) => ({ id, why: `context ${config.backends[id]?.maxModelLen} < ${signals.promptTokens}-token prompt` })),
    ...fitting.filter((id) => !attemptOrder.includes(id)).map((id) => ({ id, why: lab.healthReason?.(id) ?? "unhealthy" })),
  ];
  if (attemptOrder.length === 0) {
    const why = skipped.map(({ id, why }) => `${id} ${why}`).join("; ");
    throw new GatewayError("backend_unavailable", `No backend for \`${model}\` is healthy right now (${why}). It may be loading or restarting; retry shortly.`, {
      retryAfterSeconds,
      route: decided,
    });
  }
  const contextFitActed = sideMovedForContext || fitting.length < inMode.length;
  return { kind: "plan", plan: { route, reason, mode, candidates, attemptOrder, skipped, contextFitActed } };
}

/**
 * Why nothing can take a model now, in words that hold: the mode does not serve it (and which does), or the mode
 * serves it but a running operation keeps those backends from taking requests (and where the lab is going).
 */
function offlineError(config: LabConfig, mode: string, model: string, targetMode: string | null, retryAfterSeconds: number, route: RouteDecision): GatewayError {
  const servedIn = Object.keys(config.modes).filter((other) => servingBackend(config, other, model) !== null);
  const alternatives = `Models served now: ${servableNow(config, mode)}.`;
  if (servesNow(config, mode, model) && targetMode !== null) {
    const after = targetMode === mode ? `the lab is restarting them within mode ${mode}` : `the lab is switching from mode ${mode} to ${targetMode}, which does not serve it`;
    return new GatewayError("model_offline", `\`${model}\` is not taking requests: ${after}. ${alternatives}`, { param: "model", retryAfterSeconds, route });
  }
  const where = servedIn.length > 0 ? ` It is served in mode ${servedIn.join(", ")}: switch the lab to it (the console, or POST /api/modes/${servedIn[0]}/activate).` : "";
  const switching = targetMode !== null && targetMode !== mode && !servedIn.includes(targetMode) ? ` The lab is switching to mode ${targetMode}, which does not serve it either.` : "";
  return new GatewayError("model_offline", `\`${model}\` is not served in the current mode (${mode}).${where}${switching} ${alternatives}`, { param: "model", retryAfterSeconds, route });
}

/** Whether a model name has a backend in `mode` (whatever its health). */
function servesNow(config: LabConfig, mode: string, model: string): boolean {
  return servingBackend(config, mode, model) !== null;
}

/** The names a client can use in `mode`, or "none". */
function servableNow(config: LabConfig, mode: string): string {
  const names = allModelNames(config).filter((name) => servesNow(config, mode, name));
  return names.length > 0 ? names.join(", ") : "none";
}

/** vLLM's own 400 for a prompt longer than the context, naming the largest context the mode has for the model. */
function contextTooLong(config: LabConfig, backendIds: readonly string[], promptTokens: number, route: RouteDecision): GatewayError {
  const largest = Math.max(...backendIds.map((id) => config.backends[id]?.maxModelLen ?? 0));
  return new GatewayError(
    "invalid_request",
    `This model's maximum context length is ${largest} tokens. However, your request has ${promptTokens} input tokens. Please reduce the length of the input messages.`,
    { param: "messages", route },
  );
}

function routeCandidates(config: LabConfig, routeName: string): string[] {
  const target = findRoute(config, routeName);
  return target?.kind === "candidates" ? target.candidates : [];
}

/** The reason recorded once the serving backend is known: which candidate served, and why earlier ones did not. */
export function describeChoice(plan: RoutePlan, servedBy: string, failed: { id: string; why: string }[]): string {
  const passedOver = plan.candidates.slice(0, Math.max(0, plan.candidates.indexOf(servedBy))).map((id) => {
    const why = failed.find((f) => f.id === id)?.why ?? plan.skipped.find((s) => s.id === id)?.why;
    return why === undefined ? `${id} not in mode ${plan.mode}` : `${id} ${why}`;
  });
  return `${plan.reason}; ${servedBy} ${passedOver.length === 0 ? "(first choice)" : `(${passedOver.join("; ")})`}`;
}
