import { expect, test } from "vitest";
import { toAlert, type AlertDraft } from "./alert";
import { OpenAlerts } from "./open-alerts";

const crash: AlertDraft = { kind: "backend_crashed", severity: "error", title: "qwen-14b crashed", message: "exited", backend: "qwen-14b", subject: "qwen-14b", path: "/backends" };
const back: AlertDraft = { ...crash, status: "resolved", severity: "info", title: "qwen-14b is ready again", message: "ready again" };
const at = new Date("2026-12-07T14:00:00.000Z");
const later = new Date("2026-12-07T14:05:00.000Z");

test("firing, then resolved exactly once, as the firing alert's kind, severity, backend and link", () => {
  const open = new OpenAlerts();
  const fired = toAlert(crash, at, "https://lab.example");
  open.fired(fired);
  const resolved = open.resolve(back, later);
  expect(resolved).toMatchObject({ kind: "backend_crashed", severity: "error", status: "resolved", backend: "qwen-14b", link: "https://lab.example/backends", title: "qwen-14b is ready again", message: "ready again", at: later });
  expect(resolved?.id).not.toBe(fired.id);
  expect(open.resolve(back, later)).toBeNull();
  expect(open.size).toBe(0);
});

test("nothing to resolve: an alert that never went out, another subject, a one-off kind", () => {
  const open = new OpenAlerts();
  expect(open.resolve(back, later)).toBeNull();
  open.fired(toAlert(crash, at, undefined));
  expect(open.resolve({ ...back, subject: "qwen-7b", backend: "qwen-7b" }, later)).toBeNull();
  expect(open.resolve({ ...back, kind: "error_rate", subject: "qwen-14b" }, later)).toBeNull();
  // A restart, a test message: nothing to end, nothing kept.
  open.fired(toAlert({ ...crash, kind: "backend_restarted" }, at, undefined));
  open.fired(toAlert({ ...crash, kind: "test", subject: "test" }, at, undefined));
  expect(open.size).toBe(1);
  expect(open.resolve({ ...back, kind: "backend_restarted" }, later)).toBeNull();
});

test("a condition that fires again while open stays one alert: one resolved notice for the latest", () => {
  const open = new OpenAlerts();
  open.fired(toAlert(crash, at, undefined));
  const second = toAlert({ ...crash, message: "exited again" }, later, undefined);
  open.fired(second);
  expect(open.resolve(back, later)).toMatchObject({ message: "ready again", status: "resolved" });
  expect(open.resolve(back, later)).toBeNull();
});

test("restored at start: open until resolved or fired again; not restored over an alert this process sent", () => {
  const open = new OpenAlerts();
  const before = toAlert(crash, at, "https://lab.example");
  open.restore(before);
  open.restore(toAlert({ ...crash, kind: "backend_restarted" }, at, undefined));
  expect(open.restored()).toEqual([before]);
  expect(open.resolve(back, later)).toMatchObject({ kind: "backend_crashed", status: "resolved", link: "https://lab.example/backends" });
  expect(open.restored()).toEqual([]);

  // Fired again in this process: still open, but no longer one from before the restart.
  open.restore(before);
  open.fired(toAlert({ ...crash, message: "exited again" }, later, undefined));
  expect(open.restored()).toEqual([]);
  expect(open.size).toBe(1);
  open.restore(before);
  expect(open.restored()).toEqual([]);
});
