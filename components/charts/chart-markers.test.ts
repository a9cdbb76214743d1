import { describe, expect, test } from "vitest";
import type { LabEventJson, ModeSwitchJson } from "@/components/hooks/api-types";
import { chartMarkers } from "./chart-markers";

const T0 = Date.parse("2026-12-06T10:00:00Z");
const iso = (offsetS: number) => new Date(T0 + offsetS * 1_000).toISOString();

const op = (over: Partial<ModeSwitchJson>): ModeSwitchJson => ({
  id: "op1",
  kind: "mode_switch",
  fromMode: "standard",
  toMode: "deep",
  backendId: null,
  requestedBy: "console",
  trigger: null,
  reason: null,
  status: "succeeded",
  error: null,
  startedAt: iso(60),
  finishedAt: iso(90),
  durationMs: 30_000,
  steps: [],
  ...over,
});

const event = (over: Partial<LabEventJson>): LabEventJson => ({ id: 1, at: iso(120), kind: "container_exit", severity: "error", backendId: "qwen-14b", message: "qwen-14b exited with code 137", detail: null, ...over });

const domain = [T0, T0 + 15 * 60_000] as const;

describe("chartMarkers", () => {
  test("a mode switch is an area from its start to its end, labelled from → to with its result", () => {
    expect(chartMarkers({ operations: [op({})], events: [], domain, now: T0 + 600_000 })).toEqual([
      { id: "op-op1", kind: "switch", from: T0 + 60_000, to: T0 + 90_000, label: "switch standard → deep (succeeded)", backendId: null, bad: false },
    ]);
  });

  test("a rolled-back switch is bad and says why; a running one ends now", () => {
    const [rolledBack, running] = chartMarkers({
      operations: [op({ status: "rolled_back", error: "qwen-32b never became ready" }), op({ id: "op2", status: "running", startedAt: iso(300), finishedAt: null })],
      events: [],
      domain,
      now: T0 + 330_000,
    });
    expect(rolledBack).toMatchObject({ bad: true, label: "switch standard → deep (rolled back: qwen-32b never became ready)" });
    expect(running).toMatchObject({ from: T0 + 300_000, to: T0 + 330_000, bad: false, label: "switch standard → deep (running)" });
  });

  test("a restart names its backend and the watchdog's reason, or who asked for it", () => {
    const watchdogEvent = event({ id: 7, kind: "watchdog_restart", severity: "warning", at: iso(199), message: "watchdog restarts qwen-14b: container exited (137) (attempt 1)" });
    const markers = chartMarkers({
      operations: [
        op({ id: "r1", kind: "restart", fromMode: null, toMode: null, backendId: "qwen-14b", requestedBy: "watchdog", startedAt: iso(200), finishedAt: iso(230) }),
        op({ id: "r2", kind: "restart", fromMode: null, toMode: null, backendId: "qwen-7b", requestedBy: "console", startedAt: iso(400), finishedAt: iso(420) }),
      ],
      events: [watchdogEvent],
      domain,
      now: T0 + 600_000,
    });
    expect(markers.map((m) => [m.kind, m.label])).toEqual([
      ["restart", "restart qwen-14b: watchdog restarts qwen-14b: container exited (137) (attempt 1) (succeeded)"],
      ["restart", "restart qwen-7b: requested by console (succeeded)"],
    ]);
  });

  test("container exits and OOMs are instants; other events are not markers", () => {
    const markers = chartMarkers({
      operations: [],
      events: [event({}), event({ id: 2, kind: "oom", at: iso(500), message: "qwen-14b ran out of GPU memory and exited with code 137" }), event({ id: 3, kind: "health_change" })],
      domain,
      now: T0 + 600_000,
    });
    expect(markers).toEqual([
      { id: "event-1", kind: "crash", from: T0 + 120_000, to: T0 + 120_000, label: "crash: qwen-14b exited with code 137", backendId: "qwen-14b", bad: true },
      { id: "event-2", kind: "crash", from: T0 + 500_000, to: T0 + 500_000, label: "OOM: qwen-14b ran out of GPU memory and exited with code 137", backendId: "qwen-14b", bad: true },
    ]);
  });

  test("only what falls in the range, clipped to it", () => {
    const markers = chartMarkers({
      operations: [op({ id: "before", startedAt: iso(-100), finishedAt: iso(-50) }), op({ id: "straddles", startedAt: iso(-10), finishedAt: iso(20) })],
      events: [event({ at: iso(-5) })],
      domain,
      now: T0 + 600_000,
    });
    expect(markers.map((m) => [m.id, m.from, m.to])).toEqual([["op-straddles", T0, T0 + 20_000]]);
  });

  test("a chart of some backends gets their restarts and crashes and every mode switch, not another backend's", () => {
    const markers = chartMarkers({
      operations: [op({}), op({ id: "r7", kind: "restart", backendId: "qwen-7b", startedAt: iso(200), finishedAt: iso(210) })],
      events: [event({})],
      domain,
      backendIds: ["qwen-7b"],
      now: T0 + 600_000,
    });
    expect(markers.map((m) => m.id)).toEqual(["op-op1", "op-r7"]);
  });
});
