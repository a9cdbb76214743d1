import { describe, expect, test } from "vitest";
import type { ModeSwitchRow } from "@/components/hooks/api-types";
import { lastRestartOf } from "./last-restart";

const restart = (backendId: string, startedAt: string, requestedBy: string, over: Partial<ModeSwitchRow> = {}): ModeSwitchRow => ({
  id: `${backendId}-${startedAt}`,
  kind: "restart",
  fromMode: "standard",
  toMode: "standard",
  backendId,
  requestedBy,
  reason: null,
  trigger: null,
  status: "succeeded",
  error: null,
  startedAt,
  finishedAt: null,
  durationMs: null,
  steps: [],
  ...over,
});


describe("last restart of a backend", () => {
  test("the newest restart of that backend, and who asked", () => {
    const last = lastRestartOf("qwen-7b", [restart("qwen-7b", "2026-11-27T09:00:00Z", "api"), restart("qwen-7b", "2026-11-27T10:00:00Z", "console"), restart("qwen-14b", "2026-11-27T11:00:00Z", "console")]);
    expect(last).toEqual({ at: "2026-11-27T10:00:00Z", by: "console", status: "succeeded", reason: "requested from the console" });
  });

  test("a watchdog restart says why, from the reason recorded with it", () => {
    const last = lastRestartOf("qwen-7b", [
      restart("qwen-7b", "2026-11-27T10:00:01Z", "watchdog", { reason: "container exited with code 137 (OOM-killed)", status: "failed", error: "not ready in 300 s" }),
    ]);
    expect(last?.reason).toBe("watchdog: container exited with code 137 (OOM-killed) (failed: not ready in 300 s)");
  });

  test("a watchdog restart recorded before reasons were kept says only who", () => {
    expect(lastRestartOf("qwen-7b", [restart("qwen-7b", "2026-11-27T10:00:01Z", "watchdog")])?.reason).toBe("by the watchdog");
  });

  test("never restarted", () => {
    expect(lastRestartOf("qwen-7b", [])).toBeNull();
  });
});
