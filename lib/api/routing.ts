import { z } from "zod";
import type { Switchyard } from "@/lib/app/switchyard";
import { auditActor, recordAudit } from "@/lib/audit/record";
import { configChangeToAudit } from "@/lib/audit/summaries";
import type { AdminIdentity } from "@/lib/auth/admin";
import { planLimitsEdit, planRoutesEdit, type ConfigChange, type PlannedConfigEdit } from "@/lib/config/edits";
import { ConfigError } from "@/lib/config/parse";
import { routeSchema, type LabConfig } from "@/lib/config/schema";
import { YamlSpliceError } from "@/lib/config/splice";
import type { DiffLine } from "@/lib/config/text-diff";
import { readConfigText, updateConfigFile } from "@/lib/config/write";
import { describeAutoRules } from "@/lib/routing/auto";
import { routingTable, type RoutingTableRow } from "@/lib/routing/resolve";
import { ApiError } from "./envelope";
import { assertKnownBackend } from "./lab";
import { apiRoute } from "./route";

export interface RoutingView {
  modes: string[];
  currentMode: string;
  table: RoutingTableRow[];
  routes: LabConfig["routes"];
  autoRules: Record<string, string[]>;
  backends: Record<string, { servedModel: string; maxConcurrency: number; maxQueue: number }>;
  configPath: string;
}

function routingView(config: LabConfig, currentMode: string, configPath: string): RoutingView {
  return {
    modes: Object.keys(config.modes),
    currentMode,
    table: routingTable(config),
    routes: config.routes,
    autoRules: Object.fromEntries(Object.entries(config.routes).flatMap(([name, route]) => (Array.isArray(route) ? [] : [[name, describeAutoRules(route.auto)]]))),
    backends: Object.fromEntries(Object.entries(config.backends).map(([id, b]) => [id, { servedModel: b.servedModel, maxConcurrency: b.maxConcurrency, maxQueue: b.maxQueue }])),
    configPath,
  };
}

/** GET /api/routes: the routing table resolved for every mode, the routes as configured, the auto rules in words. */
export const getRoutes = apiRoute({}, async ({ switchyard }): Promise<RoutingView> => routingView(switchyard.config(), switchyard.controller.currentMode(), switchyard.configStore.path));

/** A config edit's outcome as the console shows it: which entries it changed and how. */
export interface ConfigChangeView {
  kind: ConfigChange["kind"];
  target: string;
  action: ConfigChange["action"];
  summary: string;
}

/** PUT /api/routes and PUT /api/backends/{id}/limits: the routing view after the write, and what it changed. */
export type SavedRoutingView = RoutingView & { changes: ConfigChangeView[] };

/** POST /api/config/preview: what a save would change, as a line diff of the config file, before anything is written. */
export interface ConfigPreview {
  configPath: string;
  changes: (ConfigChangeView & { before: unknown; after: unknown; beforeYaml: string | null; afterYaml: string | null })[];
  diff: DiffLine[];
}

/** The config validator's complaints as field issues: paths into the config, never a line of a file the browser cannot see. */
function asApiError(error: unknown): unknown {
  if (error instanceof ConfigError) {
    const issues = error.issues.map((issue) => ({ path: issue.path, message: issue.message }));
    return new ApiError("bad_request", issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; "), { issues });
  }
  if (error instanceof YamlSpliceError) return new ApiError("conflict", `The config file cannot be edited from the console: ${error.message}. Edit it by hand.`);
  return error;
}

function plan(switchyard: Switchyard, planner: (text: string, source: string) => PlannedConfigEdit, write: boolean): PlannedConfigEdit {
  const file = switchyard.configStore.path;
  try {
    return write ? updateConfigFile(file, (text) => planner(text, file)) : planner(readConfigText(file), file);
  } catch (error) {
    throw asApiError(error);
  }
}

/** Applies an edit to the config file (only the edited nodes' bytes change), makes it take effect now, and records it. */
async function editConfig(context: { request: Request; switchyard: Switchyard; admin: AdminIdentity | null }, planner: (text: string, source: string) => PlannedConfigEdit): Promise<SavedRoutingView> {
  const { switchyard } = context;
  const planned = plan(switchyard, planner, true);
  const config = switchyard.configStore.reload();
  const audit = planned.changes.map(configChangeToAudit);
  if (audit.length > 0) {
    switchyard.bus.publish("status", { reason: "config edited" });
    await recordAudit(switchyard, auditActor(context.request, context.admin, config.server.trustProxy), audit);
  }
  return {
    ...routingView(config, switchyard.controller.currentMode(), switchyard.configStore.path),
    changes: planned.changes.map(({ kind, target, action }, i) => ({ kind, target, action, summary: audit[i]!.summary })),
  };
}

const routesBody = z.object({ routes: z.record(z.string().min(1), routeSchema) }).strict();

/** PUT /api/routes {routes}: replaces the routes; only the routes that change are rewritten in the config file. */
export const putRoutes = apiRoute({ body: routesBody }, async (context) => editConfig(context, (text, source) => planRoutesEdit(text, source, context.body.routes)));

const backendLimits = z.object({ maxConcurrency: z.int().positive().max(4096).optional(), maxQueue: z.int().nonnegative().max(100_000).optional() }).strict();

/** PUT /api/backends/{id}/limits {maxConcurrency?, maxQueue?}: per-backend limits, written to the config file. */
export const putBackendLimits = apiRoute({ params: z.object({ id: z.string().min(1) }), body: backendLimits }, async (context) => {
  assertKnownBackend(context.switchyard, context.params.id);
  return editConfig(context, (text, source) => planLimitsEdit(text, source, context.params.id, context.body));
});

const previewBody = z.union([routesBody, z.object({ backendId: z.string().min(1), limits: backendLimits }).strict()]);

/** POST /api/config/preview {routes} | {backendId, limits}: the diff a save would make; nothing is written. Invalid edits are the same 400 as a save. */
export const previewConfigEdit = apiRoute({ body: previewBody }, async ({ switchyard, body }): Promise<ConfigPreview> => {
  if ("backendId" in body) assertKnownBackend(switchyard, body.backendId);
  const planned = plan(switchyard, (text, source) => ("routes" in body ? planRoutesEdit(text, source, body.routes) : planLimitsEdit(text, source, body.backendId, body.limits)), false);
  return {
    configPath: switchyard.configStore.path,
    changes: planned.changes.map((change) => ({ ...change, summary: configChangeToAudit(change).summary })),
    diff: planned.diff,
  };
});
