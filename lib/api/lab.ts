import { z } from "zod";
import { getSwitchyard, type Switchyard } from "@/lib/app/switchyard";
import { getModeSwitch, listModeSwitches, type ModeSwitch, type ModeSwitchKind, type ModeSwitchStep } from "@/lib/db/queries/mode-switches";
import { listLabEvents, type LabEvent, type LabEventSeverity } from "@/lib/db/queries/lab-events";
import { LabNotFoundError } from "@/lib/lab/errors";
import { accepted, adminRoute, ApiError, readJson, WithStatus, type RouteParams } from "./envelope";

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

/** POST /api/modes/{name}/activate: 202 with the operation id, or 200 when the mode is already active. */
export const activateMode = adminRoute(async (request, { params }: RouteParams<{ name: string }>) => {
  const { name } = await params;
  const switchyard = await getSwitchyard();
  await assertRuntimeReachable(switchyard);
  const result = switchyard.controller.activateMode(decodeURIComponent(name), requester(request));
  return new WithStatus<typeof result>(result.status === "started" ? 202 : 200, result);
});

/** POST /api/backends/{id}/restart: 202 with the operation id. */
export const restartBackend = adminRoute(async (request, { params }: RouteParams<{ id: string }>) => {
  const { id } = await params;
  const switchyard = await getSwitchyard();
  await assertRuntimeReachable(switchyard);
  return accepted({ status: "started", ...switchyard.controller.restartBackend(decodeURIComponent(id), requester(request)) });
});

/** GET /api/modes/switches/{id}: one operation with its steps. */
export const getSwitch = adminRoute(async (_request, { params }: RouteParams<{ id: string }>) => {
  const { id } = await params;
  const row = await getModeSwitch(id);
  if (!row) throw new ApiError("not_found", `no mode switch or restart with id ${id}`);
  return row;
});

const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
  kind: z.enum(["mode_switch", "restart"]).optional(),
  backendId: z.string().optional(),
});

/** GET /api/modes/switches: history of mode switches and restarts with their steps, newest first. */
export const listSwitches = adminRoute(async (request) => {
  const query = pageQuery.parse(Object.fromEntries(new URL(request.url).searchParams));
  return listModeSwitches(query);
});

const eventsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().optional(),
  backendId: z.string().optional(),
  kind: z.string().optional(),
  severity: z.enum(["info", "warning", "error"]).optional(),
});

/** GET /api/lab-events: restarts, health changes, watchdog actions, newest first. */
export const listEvents = adminRoute(async (request) => {
  const query = eventsQuery.parse(Object.fromEntries(new URL(request.url).searchParams));
  return listLabEvents(query);
});

/** GET /api/backends/{id}/logs?tail=N: the container's last lines. */
export const backendLogs = adminRoute(async (request, { params }: RouteParams<{ id: string }>) => {
  const { id } = await params;
  const tail = z.coerce.number().int().min(1).max(5000).default(200).parse(new URL(request.url).searchParams.get("tail") ?? undefined);
  const switchyard = await getSwitchyard();
  if (!switchyard.config().backends[id]) throw new LabNotFoundError(`unknown backend "${id}"`);
  if (!switchyard.runtime) throw new ApiError("bad_request", "runtime: none: Switchyard manages no containers, so it has no logs");
  try {
    return { backendId: id, lines: await switchyard.runtime.logs(id, { tail }) };
  } catch (error) {
    throw new ApiError("unavailable", `cannot read the logs of ${id}: ${(error as Error).message}`);
  }
});

/** PUT /api/backends/{id}/watchdog {enabled}: turn the watchdog on or off for one backend (until restart). */
export const setWatchdog = adminRoute(async (request, { params }: RouteParams<{ id: string }>) => {
  const { id } = await params;
  const { enabled } = z.object({ enabled: z.boolean() }).parse(await readJson(request));
  const switchyard = await getSwitchyard();
  if (!switchyard.config().backends[id]) throw new LabNotFoundError(`unknown backend "${id}"`);
  if (!switchyard.watchdog) throw new ApiError("bad_request", "runtime: none: there is no watchdog");
  switchyard.watchdog.setEnabled(id, enabled);
  switchyard.bus.publish("status", { reason: `watchdog ${id} ${enabled ? "on" : "off"}` });
  return { backendId: id, enabled };
});
