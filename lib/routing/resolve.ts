import type { AutoRouteConfig, BackendConfig, LabConfig } from "@/lib/config/schema";

/** What a model name asked for by a client means in the current config. */
export type RouteTarget =
  | { kind: "candidates"; route: string; candidates: string[] }
  | { kind: "auto"; route: string; auto: AutoRouteConfig };

/**
 * Looks a requested model name up: an explicit route first, then a backend's served model name
 * (every backend serving it is a candidate, in config order). Returns null for an unknown name.
 */
export function findRoute(config: LabConfig, model: string): RouteTarget | null {
  const route = config.routes[model];
  if (route) return Array.isArray(route) ? { kind: "candidates", route: model, candidates: route } : { kind: "auto", route: model, auto: route.auto };
  const serving = Object.entries(config.backends)
    .filter(([, backend]) => backend.servedModel === model)
    .map(([id]) => id);
  return serving.length > 0 ? { kind: "candidates", route: model, candidates: serving } : null;
}

export function backendsOfMode(config: LabConfig, mode: string): string[] {
  return config.modes[mode]?.backends ?? [];
}

/** The candidates of a route that belong to the given mode, in the route's order. */
export function candidatesInMode(config: LabConfig, mode: string, candidates: readonly string[]): string[] {
  const live = new Set(backendsOfMode(config, mode));
  return candidates.filter((id) => live.has(id));
}

/** Every name a client may ask for: route names, then served model names not shadowed by a route. */
export function allModelNames(config: LabConfig): string[] {
  const names = new Set(Object.keys(config.routes));
  for (const backend of Object.values(config.backends)) names.add(backend.servedModel);
  return [...names];
}

/** Every backend of `mode` a name could be served by (both sides of an automatic route), in route order. */
export function routeBackendsInMode(config: LabConfig, mode: string, model: string): string[] {
  const target = findRoute(config, model);
  if (!target) return [];
  if (target.kind === "candidates") return candidatesInMode(config, mode, target.candidates);
  return [...new Set([...routeBackendsInMode(config, mode, target.auto.fast), ...routeBackendsInMode(config, mode, target.auto.deep)])];
}

/** The largest context among the backends a name can use in `mode` (routing picks one that fits), or null. */
export function largestContextInMode(config: LabConfig, mode: string, model: string): number | null {
  const lengths = routeBackendsInMode(config, mode, model)
    .map((id) => config.backends[id]?.maxModelLen)
    .filter((length): length is number => typeof length === "number");
  return lengths.length > 0 ? Math.max(...lengths) : null;
}

/** The backend that would serve `model` in `mode` when every backend of the mode is healthy, or null (offline). */
export function servingBackend(config: LabConfig, mode: string, model: string): string | null {
  const target = findRoute(config, model);
  if (!target) return null;
  if (target.kind === "candidates") return candidatesInMode(config, mode, target.candidates)[0] ?? null;
  return servingBackend(config, mode, target.auto.fast) ?? servingBackend(config, mode, target.auto.deep);
}

export interface RoutingTableRow {
  model: string;
  /** `candidates` for a plain route or served name, `auto` for an automatic route. */
  kind: "candidates" | "auto";
  candidates: string[];
  /** Per mode: the backend that serves this name there, or null when it is offline in that mode. */
  byMode: Record<string, string | null>;
}

/** The routing table the console shows: every model name x every mode -> backend or offline. */
export function routingTable(config: LabConfig): RoutingTableRow[] {
  return allModelNames(config).map((model) => {
    const target = findRoute(config, model);
    const byMode = Object.fromEntries(Object.keys(config.modes).map((mode) => [mode, servingBackend(config, mode, model)]));
    return {
      model,
      kind: target?.kind ?? "candidates",
      candidates: target?.kind === "candidates" ? target.candidates : target ? [target.auto.fast, target.auto.deep] : [],
      byMode,
    };
  });
}

/** Names a client can use right now, with the backend config that would serve each. */
export function servableModels(config: LabConfig, mode: string): { name: string; backendId: string; backend: BackendConfig }[] {
  return allModelNames(config).flatMap((name) => {
    const backendId = servingBackend(config, mode, name);
    const backend = backendId ? config.backends[backendId] : undefined;
    return backendId && backend ? [{ name, backendId, backend }] : [];
  });
}
