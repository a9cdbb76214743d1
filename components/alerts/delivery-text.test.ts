import { expect, test } from "vitest";
import { alertBadge, deliveryLabel, deliveryTone, testResultText } from "./delivery-text";

test("a delivery's status reads as what will happen next", () => {
  expect([deliveryTone({ status: "delivered", willRetry: false }), deliveryLabel({ status: "delivered", willRetry: false })]).toEqual(["ok", "delivered"]);
  expect([deliveryTone({ status: "failed", willRetry: true }), deliveryLabel({ status: "failed", willRetry: true })]).toEqual(["warn", "failed, will retry"]);
  expect([deliveryTone({ status: "failed", willRetry: false }), deliveryLabel({ status: "failed", willRetry: false })]).toEqual(["bad", "failed"]);
  expect(deliveryTone({ status: "dropped", willRetry: false })).toBe("bad");
});

test("a test's result in one line, with the server's reason when it failed", () => {
  expect(testResultText({ webhook: "ops", status: "delivered", httpStatus: 204, error: null, durationMs: 12 })).toBe("Delivered (HTTP 204) in 12 ms");
  expect(testResultText({ webhook: "ops", status: "failed", httpStatus: null, error: "no answer within 5 s", durationMs: 5001 })).toBe("Failed in 5001 ms: no answer within 5 s");
});

test("an alert's badge: its kind toned by severity; a resolved notice in the good tone, saying so", () => {
  expect(alertBadge({ kind: "backend_crashed", severity: "error", resolved: false })).toEqual({ tone: "bad", label: "backend crashed" });
  expect(alertBadge({ kind: "gpu_temperature", severity: "warning", resolved: false })).toEqual({ tone: "warn", label: "gpu temperature" });
  expect(alertBadge({ kind: "backend_crashed", severity: "error", resolved: true })).toEqual({ tone: "ok", label: "backend crashed · resolved" });
});
