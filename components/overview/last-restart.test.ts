import { describe, expect, test } from "vitest";
import type { LabEventRow, ModeSwitchRow } from "@/components/hooks/api-types";
import { lastRestartOf } from "./last-restart";

const restart = (backendId: string, startedAt: string, requestedBy: string, over: Partial<ModeSwitchRow> = {}): ModeSwitchRow => ({
  id: `${backendId}-${startedAt}`,
  kind: "restart",
  fromMode: "standard",
  toMode: "standard",
  backendId,
  requestedBy,
  status: "succeeded",
  error: null,
  startedAt,
  finishedAt: null,
  durationMs: null,
  steps: [],
  ...over,
});

const watchdogEvent = (backendId: string, at: string, message: string): LabEventRow => ({ id: 1, at, kind: "watchdog_restart", severity: "warning", backendId, message, detail: null });

describe("last restart of a backend", () => {
  test("the newest restart of that backend, and who asked", () => {
    const last = lastRestartOf("qwen-7b", [restart("qwen-7b", "2026-11-27T09:00:00Z", "api"), restart("qwen-7b", "2026-11-27T10:00:00Z", "console"), restart("qwen-14b", "2026-11-27T11:00:00Z", "console")], []);
    expect(last).toEqual({ at: "2026-11-27T10:00:00Z", by: "console", status: "succeeded", reason: "requested from the console" });
  });

  test("a watchdog restart says why, from the watchdog's event just before it", () => {
    const last = lastRestartOf(
      "qwen-7b",
      [restart("qwen-7b", "2026-11-27T10:00:01Z", "watchdog", { status: "failed", error: "not ready in 300 s" })],
      [watchdogEvent("qwen-7b", "2026-11-27T08:00:00Z", "older"), watchdogEvent("qwen-7b", "2026-11-27T10:00:00Z", "watchdog restarts qwen-7b: container exited with code 137 (OOM-killed)")],
    );
    expect(last?.reason).toBe("watchdog restarts qwen-7b: container exited with code 137 (OOM-killed) (failed: not ready in 300 s)");
  });

  test("never restarted", () => {
    expect(lastRestartOf("qwen-7b", [], [])).toBeNull();
  });
});
