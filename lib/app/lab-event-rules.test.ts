import { expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { EventBus } from "@/lib/events/bus";
import type { BackendHealth } from "@/lib/lab/backend-health";
import type { LabController } from "@/lib/lab/controller";
import type { LabEventInput } from "@/lib/lab/event-log";
import { labYaml } from "@/lib/lab/test-support";
import { operationOutcomeRule } from "./lab-event-rules";

function setup() {
  const bus = new EventBus();
  const recorded: LabEventInput[] = [];
  const config = parseLabConfig(labYaml);
  const lab = { currentMode: () => "standard" } as unknown as LabController;
  const probeRounds: number[] = [];
  const health = { reset: () => undefined, refresh: async () => void probeRounds.push(Date.now()) } as unknown as BackendHealth;
  operationOutcomeRule({ bus, labEvents: (event) => recorded.push(event), config: () => config, lab, health });
  return { bus, recorded, probeRounds };
}

test("a finished restart is recorded against the backend it restarted, named in the message", () => {
  const { bus, recorded } = setup();
  bus.publish("operation_done", { operationId: "op-1", kind: "restart", backendId: "qwen-14b", requestedBy: "console", status: "succeeded", error: null });
  expect(recorded).toEqual([expect.objectContaining({ kind: "restart", severity: "info", backendId: "qwen-14b", message: "restart of qwen-14b (from the console) succeeded" })]);
});

test("a failed mode switch is an error event of no one backend", () => {
  const { bus, recorded } = setup();
  bus.publish("operation_done", { operationId: "op-2", kind: "mode_switch", backendId: null, requestedBy: "api", status: "rolled_back", error: "qwen-32b did not load" });
  expect(recorded).toEqual([expect.objectContaining({ kind: "mode_switch", severity: "error", backendId: null, message: "mode switch (from the api) rolled back: qwen-32b did not load" })]);
});

test("a finished switch probes the mode's backends at once, so the console shows the woken ones ready, not loading", () => {
  const { bus, probeRounds } = setup();
  bus.publish("operation_done", { operationId: "op-3", kind: "mode_switch", backendId: null, requestedBy: "console", status: "succeeded", error: null });
  expect(probeRounds).toHaveLength(1);
});
