import type { Switchyard } from "@/lib/app/switchyard";
import { listLabEventsSince } from "@/lib/db/queries/lab-events";
import { listModeSwitchesStartedSince } from "@/lib/db/queries/mode-switches";
import { computeVerdict, RECENT_PROBLEMS_MS, type HealthVerdict, type VerdictInputs } from "@/lib/verdict/verdict";
import { buildStatus } from "./status";
import { apiRoute } from "./route";

export type { HealthVerdict, VerdictProblem } from "@/lib/verdict/verdict";

/** Enough rows for a quarter of an hour of a lab in trouble; more would be noise on a glance. */
const RECENT_ROWS = 100;

/**
 * GET /api/verdict: the lab's health in one word with the reasons, and the recent problems (lib/verdict/verdict.ts).
 * Read from the backends' states (as /api/status gives them), the lab events and operations of the last 15 minutes,
 * the request-log rollups of the last whole minute and this one (never the raw log), and the config store.
 */
export const getVerdict = apiRoute({}, async ({ switchyard }): Promise<HealthVerdict> => computeVerdict(await gatherVerdictInputs(switchyard, Date.now())));

export async function gatherVerdictInputs(switchyard: Switchyard, now: number): Promise<VerdictInputs> {
  const recentFrom = now - RECENT_PROBLEMS_MS;
  // The rollups are per minute: the last whole minute and the one running now, as the overview's rates.
  const errorsFrom = Math.floor(now / 60_000) * 60_000 - 60_000;
  const config = switchyard.config();
  const [status, usage, events, operations] = await Promise.all([
    buildStatus(switchyard),
    switchyard.requestLogReader.call("usage", { from: new Date(errorsFrom), to: new Date(now + 60_000), bucketMs: 60_000, groupBy: "backend" }),
    listLabEventsSince(new Date(recentFrom), RECENT_ROWS, switchyard.db),
    listModeSwitchesStartedSince(new Date(recentFrom), RECENT_ROWS, switchyard.db),
  ]);
  const operation = status.operation;
  return {
    now,
    mode: status.mode,
    operation: operation
      ? { id: operation.id, kind: operation.kind, backendId: operation.backendId, toMode: operation.toMode, requestedBy: operation.requestedBy, reason: operation.reason, startedAt: operation.startedAt }
      : null,
    backends: status.backends.map(({ id, inCurrentMode, state, stateReason }) => ({ id, inCurrentMode, state, stateReason })),
    runtime: status.runtime,
    configError: status.configError,
    simulated: { gpus: config.gpuTelemetry === "simulated", engines: config.runtime === "simulated" },
    traffic: usage.totals.map((total) => ({ backend: total.group ?? "", requests: total.requests, status5xx: total.status5xx, failedStreams: total.failedStreams })),
    errorsFrom,
    events: events.map((event) => ({
      id: event.id,
      at: event.at.getTime(),
      kind: event.kind,
      severity: event.severity === "error" || event.severity === "warning" ? event.severity : "info",
      backendId: event.backendId,
      message: event.message,
    })),
    operations: operations.map((op) => ({
      id: op.id,
      kind: op.kind === "restart" ? "restart" : "mode_switch",
      backendId: op.backendId,
      fromMode: op.fromMode,
      toMode: op.toMode,
      status: op.status,
      error: op.error,
      startedAt: op.startedAt.getTime(),
      finishedAt: op.finishedAt?.getTime() ?? null,
    })),
    recentFrom,
  };
}
