import type { LabConfig } from "@/lib/config/schema";
import { decideAuto, type AutoSignals, type SideLoad } from "@/lib/routing/auto";
import { allModelNames, candidatesInMode, findRoute, servingBackend } from "@/lib/routing/resolve";
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
}

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
  /** Candidates of the mode left out because they are down or unhealthy, and why. */
  skipped: { id: string; why: string }[];
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
  const target = findRoute(config, model);
  if (!target) {
    throw new GatewayError("model_not_found", `The model \`${model}\` does not exist. Available models: ${allModelNames(config).join(", ")}.`, {
      param: "model",
    });
  }

  let route = target.route;
  let reason = `route ${route}`;
  let candidates: string[];
  if (target.kind === "auto") {
    const sideLoad = (routeName: string): SideLoad => {
      const ids = candidatesInMode(config, mode, routeCandidates(config, routeName)).filter((id) => lab.isAdmitting(id));
      const queued = ids.map(queuedOf);
      return { available: ids.length > 0, queued: queued.length > 0 ? Math.min(...queued) : 0 };
    };
    const decision = decideAuto(target.auto, signals, { fast: sideLoad(target.auto.fast), deep: sideLoad(target.auto.deep) });
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
  if (inMode.length === 0) {
    const servedIn = Object.keys(config.modes).filter((other) => servingBackend(config, other, model) !== null);
    const switching = targetMode !== null && targetMode !== mode ? ` The lab is switching to mode ${targetMode}, which does not serve it either.` : "";
    throw new GatewayError(
      "model_offline",
      `\`${model}\` is offline in the current mode (${mode})${servedIn.length > 0 ? `; it is served in mode ${servedIn.join(", ")}` : ""}.${switching}`,
      { param: "model", retryAfterSeconds },
    );
  }
  // Backends known to be down or unhealthy are skipped (a fast 503) until their health probe passes again.
  const attemptOrder = inMode.filter((id) => lab.isHealthy(id));
  const skipped = inMode.filter((id) => !attemptOrder.includes(id)).map((id) => ({ id, why: lab.healthReason?.(id) ?? "unhealthy" }));
  if (attemptOrder.length === 0) {
    const why = skipped.map(({ id, why }) => `${id} ${why}`).join("; ");
    throw new GatewayError("backend_unavailable", `No backend for \`${model}\` is healthy right now (${why}). It may be loading or restarting; retry shortly.`, {
      retryAfterSeconds,
    });
  }
  return { kind: "plan", plan: { route, reason, mode, candidates, attemptOrder, skipped } };
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
