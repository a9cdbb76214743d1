import { expect, test } from "vitest";
import { restoreFromDeliveries, subjectOf, type DeliveryRecord } from "./restore";

const now = Date.parse("2026-12-07T14:00:00.000Z");
const ago = (minutes: number) => new Date(now - minutes * 60_000);

function row(alertId: string, minutesAgo: number, fields: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return { at: ago(minutesAgo), alertId, kind: "backend_crashed", severity: "error", resolved: false, subject: "qwen-14b", backendId: "qwen-14b", title: "qwen-14b crashed", message: "exited", ...fields };
}

test("the newest firing alert per kind and subject without a later resolved notice is open; its attempts count once", () => {
  const rows = [
    // An older crash of qwen-14b and its end; then a newer crash, tried at two webhooks (one retried later).
    row("a1", 50),
    row("a1r", 45, { resolved: true, title: "qwen-14b is ready again" }),
    row("a2", 10, { message: "exited with code 137" }),
    row("a2", 9.5, { message: "exited with code 137" }),
    row("a2", 2, { message: "exited with code 137" }),
    // qwen-7b crashed and came back: nothing open.
    row("b1", 20, { subject: "qwen-7b", backendId: "qwen-7b" }),
    row("b1r", 19, { subject: "qwen-7b", backendId: "qwen-7b", resolved: true }),
    // One-off kinds and tests never open.
    row("c1", 5, { kind: "backend_restarted", severity: "warning" }),
    row("t1", 1, { kind: "test", subject: "test", backendId: null }),
  ];
  const restored = restoreFromDeliveries(rows, now, "https://lab.example");
  expect(restored.open).toEqual([
    { id: "a2", kind: "backend_crashed", severity: "error", status: "firing", title: "qwen-14b crashed", message: "exited with code 137", backend: "qwen-14b", subject: "qwen-14b", at: ago(10), link: "https://lab.example/backends" },
  ]);
  // The cool-down runs from when each key's last firing alert first went out (not its retries); tests have none.
  expect(Object.fromEntries(restored.lastFired.map(({ key, atMs }) => [key, new Date(atMs)]))).toEqual({
    "backend_crashed:qwen-14b": ago(10),
    "backend_crashed:qwen-7b": ago(20),
    "backend_restarted:qwen-14b": ago(5),
  });
});

test("beyond the horizon a firing alert is history; the error rate and a GPU are restored with their subject and link", () => {
  const rows = [
    row("old", 25 * 60),
    row("e1", 3, { kind: "error_rate", subject: "gateway", backendId: null, title: "30.0 % of requests failed" }),
    row("g1", 4, { kind: "gpu_temperature", severity: "warning", subject: "gpu1", backendId: null, title: "GPU 1 is at 90 °C" }),
  ];
  const restored = restoreFromDeliveries(rows, now, undefined);
  expect(restored.open.map((alert) => [alert.kind, alert.subject, alert.severity, alert.link])).toEqual([
    ["error_rate", "gateway", "error", null],
    ["gpu_temperature", "gpu1", "warning", null],
  ]);
  expect(restoreFromDeliveries(rows, now, "https://lab.example").open.map((alert) => alert.link)).toEqual(["https://lab.example/requests?status=5xx", "https://lab.example/gpus"]);
});

test("rows written before the subject column: the subject the rules would have used, or nothing", () => {
  expect(subjectOf({ subject: null, kind: "backend_crashed", backendId: "qwen-7b", title: "qwen-7b crashed" })).toBe("qwen-7b");
  expect(subjectOf({ subject: null, kind: "error_rate", backendId: null, title: "30.0 % of requests failed" })).toBe("gateway");
  expect(subjectOf({ subject: null, kind: "gpu_temperature", backendId: null, title: "GPU 12 is at 90 °C" })).toBe("gpu12");
  expect(subjectOf({ subject: null, kind: "mode_switch_failed", backendId: null, title: "Mode switch a → b failed" })).toBeNull();
  const restored = restoreFromDeliveries([row("m1", 1, { kind: "mode_switch_failed", subject: null, backendId: null }), row("x1", 1, { subject: null })], now, undefined);
  expect(restored.open.map((alert) => alert.subject)).toEqual(["qwen-14b"]);
  expect(restored.lastFired.map((entry) => entry.key)).toEqual(["backend_crashed:qwen-14b"]);
});
