import type { LabConfig } from "@/lib/config/schema";
import type { EventBus } from "@/lib/events/bus";
import type { BackendHealth, BackendHealthStatus } from "@/lib/lab/backend-health";
import type { LabController } from "@/lib/lab/controller";
import type { LabEventLog } from "@/lib/lab/event-log";
import { backendsOfMode } from "@/lib/routing/resolve";
import type { ContainerRuntime } from "@/lib/runtime/types";

/**
 * Which happenings become lab events (the operator's timeline on the console). Policy only: each rule takes
 * the parts it watches and the event log, and returns how to stop watching where that applies.
 */

/** Health changes worth an event: ready -> failing and failing -> ready, never a backend that is still loading. */
export function healthChangeRule(bus: EventBus, labEvents: LabEventLog): (id: string, status: BackendHealthStatus) => void {
  const everReady = new Set<string>();
  return (id, status) => {
    bus.publish("status", { reason: `health ${id}` });
    const wasReady = everReady.has(id);
    if (status.state === "ready") everReady.add(id);
    if (!wasReady || status.state === "unknown") return;
    labEvents({
      kind: "health_change",
      severity: status.state === "ready" ? "info" : "warning",
      backendId: id,
      message: `${id} is ${status.state}${status.reason ? `: ${status.reason}` : ""}`,
    });
  };
}

/** Every finished operation is an event; backends outside the new mode start from a clean health slate. */
export function operationOutcomeRule(parts: { bus: EventBus; labEvents: LabEventLog; config: () => LabConfig; lab: LabController; health: BackendHealth }): () => void {
  const { bus, labEvents, config, lab, health } = parts;
  return bus.subscribe((event) => {
    if (event.type !== "operation_done") return;
    const { kind, backendId, requestedBy, status, error } = event.data;
    const what = kind === "restart" ? `restart of ${backendId ?? "?"}` : "mode switch";
    labEvents({
      kind: kind === "restart" ? "restart" : "mode_switch",
      severity: status === "succeeded" ? "info" : "error",
      backendId: kind === "restart" ? backendId : null,
      message: `${what} (from the ${requestedBy}) ${status.replace("_", " ")}${error ? `: ${error}` : ""}`,
    });
    const inMode = backendsOfMode(config(), lab.currentMode());
    for (const id of Object.keys(config().backends)) if (!inMode.includes(id)) health.reset(id);
    // The mode's backends just passed their probes: learn their health now, not at the next tick, so the console does
    // not show the woken or started ones as loading for seconds after the switch said they were ready.
    void health.refresh();
  });
}

/**
 * A container of the current mode that dies or is OOM-killed outside a lab operation is an error event; it is
 * marked unreachable at once and the watchdog looks at it right away instead of at its next tick.
 */
export function containerExitRule(parts: {
  runtime: ContainerRuntime;
  config: () => LabConfig;
  lab: LabController;
  health: BackendHealth;
  labEvents: LabEventLog;
  checkSoon: () => void;
}): () => void {
  const { runtime, config, lab, health, labEvents, checkSoon } = parts;
  return runtime.onEvent((event) => {
    if (event.action !== "die" && event.action !== "oom") return;
    const inMode = backendsOfMode(config(), lab.currentMode()).includes(event.backendId);
    if (!inMode || lab.runningOperation() !== null) return;
    labEvents({
      kind: event.action === "oom" ? "oom" : "container_exit",
      severity: "error",
      backendId: event.backendId,
      message: `${event.backendId} ${event.action === "oom" ? "ran out of GPU memory and exited" : "exited"} with code ${event.exitCode ?? "?"}`,
      detail: { exitCode: event.exitCode },
    });
    health.markUnreachable(event.backendId, `container exited (${event.exitCode ?? "?"})`);
    checkSoon();
  });
}
