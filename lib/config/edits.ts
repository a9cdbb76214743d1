import { isMap, parseDocument } from "yaml";
import { z } from "zod";
import { parseLabConfig } from "./parse";
import { backendSchema, routeSchema, type LabConfig, type RouteConfig } from "./schema";
import { entrySnippet, spliceYaml, YamlSpliceError, type YamlEdit } from "./splice";
import { diffLines, type DiffLine } from "./text-diff";

/**
 * The console's config edits (routes, backend limits) as the smallest set of node splices, checked before anything
 * is written: the new text must parse to exactly the intended values and validate as a whole config.
 */

export type ConfigChangeKind = "route" | "limit";
export type ConfigChangeAction = "created" | "updated" | "deleted";

/** One route or one backend's limits that an edit changes, with the value and the YAML lines before and after. */
export interface ConfigChange {
  kind: ConfigChangeKind;
  /** The route's name or the backend's id. */
  target: string;
  action: ConfigChangeAction;
  before: unknown;
  after: unknown;
  beforeYaml: string | null;
  afterYaml: string | null;
}

export interface PlannedConfigEdit {
  /** The file's text after the edit (the same text when nothing changes). */
  text: string;
  config: LabConfig;
  changes: ConfigChange[];
  diff: DiffLine[];
}

export type BackendLimits = { maxConcurrency?: number; maxQueue?: number };

const routesSchema = z.record(z.string(), routeSchema);
const AUTO_DEFAULTS = routeSchema.parse({ auto: { fast: "-", deep: "-" } }) as Extract<RouteConfig, { auto: unknown }>;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function rawOf(text: string): Record<string, unknown> {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return {};
  return (doc.toJS() ?? {}) as Record<string, unknown>;
}

/** The routes as they take effect (defaults filled in), read leniently: the edit may be what repairs the file. */
function routesIn(text: string): Record<string, RouteConfig> {
  const raw = rawOf(text).routes ?? {};
  const parsed = routesSchema.safeParse(raw);
  return parsed.success ? parsed.data : typeof raw === "object" && raw !== null ? (raw as Record<string, RouteConfig>) : {};
}

function limitsIn(text: string, backendId: string): Required<BackendLimits> | null {
  const backends = rawOf(text).backends as Record<string, unknown> | undefined;
  const raw = backends?.[backendId];
  if (raw === undefined) return null;
  const parsed = backendSchema.safeParse(raw);
  const source = (parsed.success ? parsed.data : raw) as BackendLimits;
  return { maxConcurrency: source.maxConcurrency ?? 32, maxQueue: source.maxQueue ?? 64 };
}

/** A new automatic route without the thresholds that equal their defaults: the file says only what it must. */
function withoutAutoDefaults(route: RouteConfig): unknown {
  if (Array.isArray(route)) return route;
  const auto: Record<string, unknown> = { ...route.auto };
  for (const key of ["longPromptTokens", "spillQueueDepth"] as const) if (auto[key] === AUTO_DEFAULTS.auto[key]) delete auto[key];
  return { auto };
}

function routeEdits(current: Record<string, RouteConfig>, next: Record<string, RouteConfig>): YamlEdit[] {
  const edits: YamlEdit[] = Object.keys(current)
    .filter((name) => !Object.hasOwn(next, name))
    .map((name) => ({ path: ["routes", name], value: undefined }));
  for (const [name, route] of Object.entries(next)) {
    const old = Object.hasOwn(current, name) ? current[name] : undefined;
    if (same(old, route)) continue;
    if (old && !Array.isArray(old) && !Array.isArray(route) && old.auto && typeof old.auto === "object") {
      // Only the thresholds or sides that changed: the rest of the route keeps its bytes.
      for (const [key, value] of Object.entries(route.auto)) {
        if (!same((old.auto as Record<string, unknown>)[key], value)) edits.push({ path: ["routes", name, "auto", key], value });
      }
    } else {
      edits.push({ path: ["routes", name], value: old === undefined ? withoutAutoDefaults(route) : Array.isArray(route) ? route : { auto: route.auto } });
    }
  }
  return edits;
}

function limitEdits(current: Required<BackendLimits> | null, backendId: string, limits: BackendLimits): YamlEdit[] {
  return (["maxConcurrency", "maxQueue"] as const)
    .filter((key) => limits[key] !== undefined && current?.[key] !== limits[key])
    .map((key) => ({ path: ["backends", backendId, key], value: limits[key] }));
}

/**
 * Splices until the text says what was asked. One round is the rule; a second one is needed when an edited node
 * was an anchor that other entries alias (they would change with it, so they are written out as they were).
 */
function converge(text: string, editsFor: (text: string) => YamlEdit[]): string {
  let current = text;
  for (let round = 0; round < 4; round++) {
    const edits = editsFor(current);
    if (edits.length === 0) return current;
    current = spliceYaml(current, edits);
  }
  if (editsFor(current).length > 0) throw new YamlSpliceError("the edit could not be written without changing other entries");
  return current;
}

function finish(source: string, before: string, after: string, changes: ConfigChange[]): PlannedConfigEdit {
  return { text: after, config: parseLabConfig(after, source), changes, diff: diffLines(before, after) };
}

/** Replaces every route with `routes` (absent ones are deleted). Throws ConfigError when the result is invalid. */
export function planRoutesEdit(text: string, source: string, routes: Record<string, RouteConfig>): PlannedConfigEdit {
  const before = routesIn(text);
  const after = converge(text, (current) => routeEdits(routesIn(current), routes));
  const names = [...new Set([...Object.keys(before), ...Object.keys(routes)])];
  const changes = names.flatMap((name): ConfigChange[] => {
    const old = Object.hasOwn(before, name) ? before[name] : undefined;
    const next = Object.hasOwn(routes, name) ? routes[name] : undefined;
    if (same(old, next)) return [];
    return [
      {
        kind: "route",
        target: name,
        action: old === undefined ? "created" : next === undefined ? "deleted" : "updated",
        before: old ?? null,
        after: next ?? null,
        beforeYaml: entrySnippet(text, ["routes", name]),
        afterYaml: entrySnippet(after, ["routes", name]),
      },
    ];
  });
  return finish(source, text, after, changes);
}

/** Sets a backend's limits (the ones given). Throws ConfigError when the result is invalid. */
export function planLimitsEdit(text: string, source: string, backendId: string, limits: BackendLimits): PlannedConfigEdit {
  const before = limitsIn(text, backendId);
  const after = converge(text, (current) => limitEdits(limitsIn(current, backendId), backendId, limits));
  const next = limitsIn(after, backendId);
  const changes: ConfigChange[] = same(before, next)
    ? []
    : [
        {
          kind: "limit",
          target: backendId,
          action: "updated",
          before,
          after: next,
          beforeYaml: entrySnippet(text, ["backends", backendId]),
          afterYaml: entrySnippet(after, ["backends", backendId]),
        },
      ];
  return finish(source, text, after, changes);
}
