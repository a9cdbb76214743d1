import { z } from "zod";
import type { Switchyard } from "@/lib/app/switchyard";
import { getModeSwitch, listModeSwitches, listModeSwitchSummaries, type ModeSwitch, type ModeSwitchKind, type ModeSwitchStep } from "@/lib/db/queries/mode-switches";
import { listLabEvents, type LabEvent, type LabEventSeverity } from "@/lib/db/queries/lab-events";
import { LabNotFoundError } from "@/lib/lab/errors";
import { recordModeRequest } from "./audit-changes";
import { accepted, ApiError, WithStatus } from "./envelope";
import { apiRoute } from "./route";

// The rows below as the browser receives them: JSON turns dates into ISO strings. `kind` and `severity` are
// stored as text but only ever written from the unions named here.

export type ModeSwitchStepJson = Omit<ModeSwitchStep, "startedAt" | "finishedAt"> & { startedAt: string; finishedAt: string | null };

/** A recorded lab operation (mode switch or restart) with its steps, as JSON. */
export type ModeSwitchJson = Omit<ModeSwitch, "kind" | "startedAt" | "finishedAt"> & {
  kind: ModeSwitchKind;
  startedAt: string;
  finishedAt: string | null;
  steps: ModeSwitchStepJson[];
};

export type LabEventJson = Omit<LabEvent, "at" | "severity"> & { at: string; severity: LabEventSeverity };

/** Operations that start and stop containers need the container engine: refuse them up front when it is unreachable. */
async function assertRuntimeReachable(switchyard: Switchyard): Promise<void> {
  const ping = await switchyard.runtime?.ping();
  if (ping && !ping.ok) throw new ApiError("unavailable", `the container runtime is unreachable: ${ping.error}`);
}

const requester = (request: Request) => (request.headers.get("x-switchyard-client") === "console" ? "console" : "api");

const byName = z.object({ name: z.string().min(1) });
const operationStarted = z.object({ status: z.literal("started"), operationId: z.string() });
const byId = z.object({ id: z.string().min(1) });

/** POST /api/modes/{name}/activate: 202 with the operation id, or 200 when the mode is already active. */
export const activateMode = apiRoute({ params: byName, response: z.union([operationStarted, z.object({ status: z.literal("already_active") })]) }, async ({ request, switchyard, admin, params }) => {
  await assertRuntimeReachable(switchyard);
  const from = switchyard.controller.currentMode();
  const result = switchyard.controller.activateMode(params.name, requester(request));
  if (result.status === "started") await recordModeRequest({ request, switchyard, admin }, "switch_requested", params.name, { mode: from }, { mode: params.name, operationId: result.operationId });
  return new WithStatus<typeof result>(result.status === "started" ? 202 : 200, result);
});

/** POST /api/backends/{id}/restart: 202 with the operation id. */
export const restartBackend = apiRoute({ params: byId, response: operationStarted }, async ({ request, switchyard, admin, params }) => {
  await assertRuntimeReachable(switchyard);
  const started = switchyard.controller.restartBackend(params.id, requester(request));
  await recordModeRequest({ request, switchyard, admin }, "restart_requested", params.id, null, { backendId: params.id, operationId: started.operationId });
  return accepted({ status: "started" as const, ...started });
});

/** GET /api/modes/switches/{id}: one operation with its steps. */
export const getSwitch = apiRoute({ params: byId }, async ({ switchyard, params }) => {
  const row = await getModeSwitch(params.id, switchyard.db);
  if (!row) throw new ApiError("not_found", `no mode switch or restart with id ${params.id}`);
  return row;
});

/** `from`/`to`: a time window (ISO 8601), as the request log's `from`/`to`; what a time chart shows. */
const timeWindow = { from: z.coerce.date().optional(), to: z.coerce.date().optional() };
const fromBeforeTo = (query: { from?: Date; to?: Date }) => !query.from || !query.to || query.from < query.to;
const FROM_BEFORE_TO = { error: "from must be before to", path: ["from"] };

const pageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().optional(),
    kind: z.enum(["mode_switch", "restart"]).optional(),
    backendId: z.string().optional(),
    // `steps=false` leaves the steps out (the charts' markers need only the operations' times).
    steps: z.enum(["true", "false"]).default("true"),
    ...timeWindow,
  })
  .refine(fromBeforeTo, FROM_BEFORE_TO);

/**
 * GET /api/modes/switches: history of mode switches and restarts with their steps, newest first. With `from`/`to`,
 * the operations that overlap the window: still running at `from` or later (an operation that began before it counts).
 */
export const listSwitches = apiRoute({ query: pageQuery }, async ({ switchyard, query: { from, to, steps, ...query } }) => {
  const params = { ...query, activeSince: from, startedBefore: to };
  return steps === "false" ? listModeSwitchSummaries(params, switchyard.db) : listModeSwitches(params, switchyard.db);
});

const eventsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().optional(),
    backendId: z.string().optional(),
    // One kind, or several comma-separated (the charts' markers read crashes and watchdog restarts in one list).
    kind: z
      .string()
      .optional()
      .transform((value) => value?.split(",").map((kind) => kind.trim())),
    severity: z.enum(["info", "warning", "error"]).optional(),
    ...timeWindow,
  })
  .refine(fromBeforeTo, FROM_BEFORE_TO);

/** GET /api/lab-events: restarts, health changes, watchdog actions, newest first; `from`/`to` keep those in the window. */
export const listEvents = apiRoute({ query: eventsQuery }, async ({ switchyard, query: { from, to, ...query } }) =>
  listLabEvents({ ...query, since: from, before: to }, switchyard.db),
);

/** 404 for a backend id the config does not name. */
export function assertKnownBackend(switchyard: Switchyard, id: string): void {
  if (!switchyard.config().backends[id]) throw new LabNotFoundError(`unknown backend "${id}"`);
}

/** GET /api/backends/{id}/logs?tail=N: the container's last lines. */
export const backendLogs = apiRoute(
  { params: byId, query: z.object({ tail: z.coerce.number().int().min(1).max(5000).default(200) }), response: z.object({ backendId: z.string(), lines: z.array(z.string()) }) },
  async ({ switchyard, params: { id }, query: { tail } }) => {
    assertKnownBackend(switchyard, id);
    if (!switchyard.runtime) throw new ApiError("bad_request", "runtime: none: Switchyard manages no containers, so it has no logs");
    try {
      return { backendId: id, lines: await switchyard.runtime.logs(id, { tail }) };
    } catch (error) {
      throw new ApiError("unavailable", `cannot read the logs of ${id}: ${(error as Error).message}`);
    }
  },
);

/** PUT /api/backends/{id}/watchdog {enabled}: turn the watchdog on or off for one backend (until restart). */
export const setWatchdog = apiRoute({ params: byId, body: z.object({ enabled: z.boolean() }), response: z.object({ backendId: z.string(), enabled: z.boolean() }) }, async ({ switchyard, params: { id }, body: { enabled } }) => {
  assertKnownBackend(switchyard, id);
  if (!switchyard.watchdog) throw new ApiError("bad_request", "runtime: none: there is no watchdog");
  switchyard.watchdog.setEnabled(id, enabled);
  switchyard.bus.publish("status", { reason: `watchdog ${id} ${enabled ? "on" : "off"}` });
  return { backendId: id, enabled };
});
