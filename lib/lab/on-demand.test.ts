import { describe, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { EventBus } from "@/lib/events/bus";
import { OperationConflictError } from "./errors";
import type { LabEventInput } from "./event-log";
import { OnDemandSwitching } from "./on-demand";
import { labYaml } from "./test-support";

const policy = "lab: { onDemand: { enabled: true, idleSeconds: 60, minSecondsBetweenSwitches: 300, allowKeys: [switcher], returnToDefaultAfterSeconds: 600 } }";

/** The policy on a fake clock and a fake lab: the switches asked for, the load per backend set by hand. */
function setUp(yaml = `${labYaml}\n${policy}\n`, lastSwitchEndedAt: number | null = null) {
  const config = parseLabConfig(yaml);
  const clock = { t: 1_000_000, now: () => clock.t, sleep: async () => undefined };
  const bus = new EventBus();
  const lab = {
    mode: "standard",
    running: null as { kind: string; toMode: string | null; backendId: string | null } | null,
    asked: [] as { target: string; requestedBy: string; trigger: string | null }[],
    currentMode: () => lab.mode,
    runningOperation: () => lab.running,
    activateMode(target: string, requestedBy: string, trigger: string | null = null) {
      if (lab.running) throw new OperationConflictError({ id: "op-0", kind: lab.running.kind, target: lab.running.toMode ?? "" });
      lab.asked.push({ target, requestedBy, trigger });
      return { status: "started" as const, operationId: `op-${lab.asked.length}` };
    },
  };
  const load = new Map<string, { total: number; interactive: number }>();
  const events: LabEventInput[] = [];
  const onDemand = new OnDemandSwitching({ config: () => config, lab, load: (id) => load.get(id) ?? { total: 0, interactive: 0 }, recordEvent: (e) => events.push(e), bus, clock, lastSwitchEndedAt });
  /** A switch ended now (any requester): the mode changes and the thrash guard starts. */
  const switched = (mode: string) => {
    lab.mode = mode;
    bus.publish("operation_done", { operationId: "op", kind: "mode_switch", backendId: null, requestedBy: "console", status: "succeeded", error: null });
  };
  return { onDemand, lab, clock, load, events, switched };
}

const ask = (keyName: string | null = "switcher") => ({ model: "qwen2.5-32b-instruct-awq", targetMode: "deep", keyId: keyName ? `id-${keyName}` : null, keyName, requestId: 7 });

describe("each rule refuses on its own", () => {
  test("off: no verdict at all (the gateway keeps its plain 503)", () => {
    const { onDemand } = setUp(labYaml);
    expect(onDemand.trySwitch(ask())).toBeNull();
  });

  test("a key not in allowKeys, and a caller without a key", () => {
    const { onDemand, lab } = setUp();
    expect(onDemand.trySwitch(ask("bystander"))).toEqual({ started: false, rule: "the API key bystander is not allowed to trigger switches (lab.onDemand.allowKeys)", retryAfterSeconds: null });
    expect(onDemand.trySwitch(ask(null))).toMatchObject({ started: false, rule: "requests without an API key are not allowed to trigger switches (lab.onDemand.allowKeys)" });
    expect(lab.asked).toEqual([]);
  });

  test("another operation running", () => {
    const { onDemand, lab } = setUp();
    lab.running = { kind: "restart", toMode: "standard", backendId: "qwen-7b" };
    expect(onDemand.trySwitch(ask())).toMatchObject({ started: false, rule: "another lab operation is running (a restart of qwen-7b)" });
  });

  test("too soon after the last switch, with the seconds until it may pass", () => {
    const { onDemand, clock, switched } = setUp();
    switched("standard");
    clock.t += 100_000;
    expect(onDemand.trySwitch(ask())).toEqual({
      started: false,
      rule: "the last switch ended 100 s ago; switches are at least 300 s apart (lab.onDemand.minSecondsBetweenSwitches)",
      retryAfterSeconds: 200,
    });
  });

  test("a switch that ended before this process started counts as well (read from ModeSwitch at start)", () => {
    const { onDemand, lab, clock } = setUp(undefined, 1_000_000 - 250_000);
    expect(onDemand.trySwitch(ask())).toMatchObject({ started: false, rule: expect.stringMatching(/^the last switch ended 250 s ago/), retryAfterSeconds: 50 });
    clock.t += 50_000;
    expect(onDemand.trySwitch(ask())).toMatchObject({ started: true });
    expect(lab.asked).toHaveLength(1);
  });

  test("an interactive request in flight or queued; batch ones do not count", () => {
    const { onDemand, load, lab } = setUp();
    load.set("qwen-14b", { total: 3, interactive: 1 });
    expect(onDemand.trySwitch(ask())).toMatchObject({ started: false, rule: "1 interactive request(s) in flight in mode standard" });
    load.set("qwen-14b", { total: 3, interactive: 0 });
    expect(onDemand.trySwitch(ask())).toMatchObject({ started: true });
    expect(lab.asked).toHaveLength(1);
  });

  test("the mode served a request less than idleSeconds ago; a request in another mode does not count", () => {
    const { onDemand, clock } = setUp();
    onDemand.observe({ backend: "qwen-32b", mode: "deep" });
    onDemand.observe({ backend: null, mode: "standard" });
    clock.t += 1_000;
    onDemand.observe({ backend: "qwen-7b", mode: "standard" });
    clock.t += 45_000;
    expect(onDemand.trySwitch(ask())).toEqual({
      started: false,
      rule: "mode standard served a request 45 s ago; it must be idle for 60 s (lab.onDemand.idleSeconds)",
      retryAfterSeconds: 15,
    });
    clock.t += 15_000;
    expect(onDemand.trySwitch(ask())).toEqual({ started: true, operationId: "op-1" });
  });
});

test("an allowed switch is asked for as on_demand with its trigger, and recorded as a lab event", () => {
  const { onDemand, lab, events } = setUp();
  expect(onDemand.trySwitch(ask())).toEqual({ started: true, operationId: "op-1" });
  expect(lab.asked).toEqual([{ target: "deep", requestedBy: "on_demand", trigger: "request 7 for qwen2.5-32b-instruct-awq by key switcher" }]);
  expect(events).toMatchObject([{ kind: "mode_switch", severity: "info", message: "on-demand switch standard → deep started: request 7 for qwen2.5-32b-instruct-awq by key switcher" }]);
});

describe("the idle return", () => {
  test("after returnToDefaultAfterSeconds without a request in a mode other than the default, and only then", () => {
    const { onDemand, lab, clock, switched, load } = setUp();
    switched("deep");
    clock.t += 400_000;
    onDemand.observe({ backend: "qwen-32b", mode: "deep" });
    clock.t += 599_000;
    onDemand.returnIfIdle();
    expect(lab.asked).toEqual([]);
    clock.t += 1_000;
    load.set("qwen-32b", { total: 1, interactive: 0 });
    onDemand.returnIfIdle();
    expect(lab.asked).toEqual([]);
    load.clear();
    onDemand.returnIfIdle();
    expect(lab.asked).toEqual([{ target: "standard", requestedBy: "idle_return", trigger: "mode deep idle for 600 s (lab.onDemand.returnToDefaultAfterSeconds: 600)" }]);
  });

  test("never in the default mode, nor without returnToDefaultAfterSeconds", () => {
    const { onDemand, lab, clock } = setUp();
    clock.t += 10_000_000;
    onDemand.returnIfIdle();
    const stays = setUp(`${labYaml}\nlab: { onDemand: { enabled: true } }\n`);
    stays.switched("deep");
    stays.clock.t += 10_000_000;
    stays.onDemand.returnIfIdle();
    expect([...lab.asked, ...stays.lab.asked]).toEqual([]);
  });
});
