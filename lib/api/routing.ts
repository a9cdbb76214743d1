import { z } from "zod";
import type { Switchyard } from "@/lib/app/switchyard";
import { ConfigError, formatIssue } from "@/lib/config/parse";
import { routeSchema, type LabConfig } from "@/lib/config/schema";
import { setRoutes, updateConfigFile } from "@/lib/config/write";
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

/** Applies an edit to the config file (validated, comments kept) and makes it take effect now. */
function editConfig(switchyard: Switchyard, edit: Parameters<typeof updateConfigFile>[1]): RoutingView {
  try {
    updateConfigFile(switchyard.configStore.path, edit);
  } catch (error) {
    if (error instanceof ConfigError) throw new ApiError("bad_request", error.issues.map(formatIssue).join("; "));
    throw error;
  }
  const config = switchyard.configStore.reload();
  switchyard.bus.publish("status", { reason: "config edited" });
  return routingView(config, switchyard.controller.currentMode(), switchyard.configStore.path);
}

/** PUT /api/routes {routes}: replaces the routes, written back to the config file keeping its comments. */
export const putRoutes = apiRoute({ body: z.object({ routes: z.record(z.string().min(1), routeSchema) }) }, async ({ switchyard, body: { routes } }) =>
  editConfig(switchyard, (doc) => setRoutes(doc, routes)),
);

const backendLimits = z.object({ maxConcurrency: z.int().positive().max(4096).optional(), maxQueue: z.int().nonnegative().max(100_000).optional() }).strict();

/** PUT /api/backends/{id}/limits {maxConcurrency?, maxQueue?}: per-backend limits, written to the config file. */
export const putBackendLimits = apiRoute({ params: z.object({ id: z.string().min(1) }), body: backendLimits }, async ({ switchyard, params: { id }, body: limits }) => {
  assertKnownBackend(switchyard, id);
  return editConfig(switchyard, (doc) => {
    for (const [key, value] of Object.entries(limits)) if (value !== undefined) doc.setIn(["backends", id, key], value);
  });
});
