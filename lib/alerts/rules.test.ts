import { expect, test } from "vitest";
import type { GpuSample } from "@/lib/telemetry/types";
import { alertForLabEvent, alertForOperation, Cooldown, ErrorRateRule, GpuTemperatureRule, resolutionForLabEvent, resolutionForOperation } from "./rules";

const labEvent = (kind: string, backendId: string | null, message = "m") => ({ id: 1, at: "2026-12-07T14:00:00.000Z", kind, severity: "error" as const, backendId, message });

test("a container exit or OOM is a crash alert; the watchdog giving up is one too; other lab events are not alerts", () => {
  expect(alertForLabEvent(labEvent("container_exit", "qwen-14b", "qwen-14b exited with code 137"))).toMatchObject({
    kind: "backend_crashed",
    severity: "error",
    title: "qwen-14b crashed",
    message: "qwen-14b exited with code 137",
    backend: "qwen-14b",
    subject: "qwen-14b",
  });
  expect(alertForLabEvent(labEvent("oom", "qwen-7b"))).toMatchObject({ kind: "backend_crashed", title: "qwen-7b ran out of GPU memory" });
  expect(alertForLabEvent(labEvent("watchdog_gave_up", "qwen-7b"))).toMatchObject({ kind: "watchdog_gave_up", severity: "error", backend: "qwen-7b" });
  for (const kind of ["health_change", "watchdog_restart", "restart", "mode_switch", "reconcile"]) expect(alertForLabEvent(labEvent(kind, "qwen-7b"))).toBeNull();
});

const operation = { id: "op1", kind: "restart" as const, status: "succeeded", error: null, backendId: "qwen-14b", requestedBy: "watchdog", fromMode: "standard", toMode: "standard" };

test("restarts: who restarted which backend; a failed restart is an error", () => {
  expect(alertForOperation(operation)).toMatchObject({ kind: "backend_restarted", severity: "warning", title: "qwen-14b was restarted by the watchdog", backend: "qwen-14b" });
  expect(alertForOperation({ ...operation, requestedBy: "console" })).toMatchObject({ kind: "backend_restarted", severity: "info", title: "qwen-14b was restarted by the console" });
  expect(alertForOperation({ ...operation, status: "failed", error: "did not become ready" })).toMatchObject({ kind: "restart_failed", severity: "error", message: expect.stringContaining("did not become ready") });
  expect(alertForOperation({ ...operation, status: "interrupted" })).toBeNull();
});

test("mode switches: rolled back is a warning, failed (rollback failed too) an error, succeeded nothing", () => {
  const modeSwitch = { ...operation, kind: "mode_switch" as const, backendId: null, requestedBy: "console", toMode: "deep" };
  expect(alertForOperation({ ...modeSwitch, status: "rolled_back", error: "qwen-32b exited" })).toMatchObject({
    kind: "mode_switch_rolled_back",
    severity: "warning",
    title: "Mode switch standard → deep was rolled back",
    message: expect.stringContaining("qwen-32b exited"),
  });
  expect(alertForOperation({ ...modeSwitch, status: "failed", error: "x" })).toMatchObject({ kind: "mode_switch_failed", severity: "error" });
  expect(alertForOperation({ ...modeSwitch, status: "succeeded" })).toBeNull();
});

test("error rate: above the threshold only with enough requests in the window; old requests leave the window", () => {
  const settings = { thresholdPct: 10, windowMinutes: 1, minRequests: 20 };
  const rule = new ErrorRateRule(() => settings);
  let now = 1_000_000;
  const ok = { status: 200, outcome: "served" };
  const failed = { status: 503, outcome: "rejected" };
  // 5 of 10 failed: a high share, but too few requests to judge.
  for (let i = 0; i < 5; i++) expect(rule.observe(ok, now)).toBeNull();
  for (let i = 0; i < 5; i++) expect(rule.observe(failed, now)).toBeNull();
  for (let i = 0; i < 9; i++) expect(rule.observe(ok, (now += 100))).toBeNull();
  const alert = rule.observe(ok, (now += 100));
  expect(alert).toMatchObject({ kind: "error_rate", severity: "error", subject: "gateway", title: "25.0 % of requests failed", message: expect.stringContaining("5 of 20 requests") });
  // A minute later the failures have left the window: the first fine request says the alert is over, then nothing.
  now += 61_000;
  expect(rule.observe(ok, now)).toMatchObject({ kind: "error_rate", status: "resolved", title: "Error rate back to 0.0 %" });
  for (let i = 0; i < 19; i++) expect(rule.observe(ok, now)).toBeNull();
  expect(rule.evaluate(now)).toBeNull();
});

test("error rate: 4xx are the client's, a stream cut mid-way is the lab's; exactly the threshold does not alert", () => {
  const rule = new ErrorRateRule(() => ({ thresholdPct: 5, windowMinutes: 5, minRequests: 10 }));
  for (let i = 0; i < 10; i++) expect(rule.observe({ status: 404, outcome: "bad_request" }, 1_000)).toBeNull();
  expect(rule.observe({ status: 200, outcome: "upstream_error" }, 1_000)).toMatchObject({ title: "9.1 % of requests failed" });
  const atThreshold = new ErrorRateRule(() => ({ thresholdPct: 10, windowMinutes: 5, minRequests: 10 }));
  for (let i = 0; i < 9; i++) atThreshold.observe({ status: 200, outcome: "served" }, 1_000);
  expect(atThreshold.observe({ status: 500, outcome: "upstream_error" }, 1_000)).toBeNull();
});

const gpu = (index: number, temperatureC: number | null, at: number): GpuSample => ({
  index,
  at,
  temperatureC,
  utilizationPct: 50,
  memoryUsedMiB: 1,
  memoryTotalMiB: 24_576,
  powerDrawW: 300,
  powerLimitW: 350,
  smClockMHz: null,
  fanPct: null,
});

test("GPU temperature: only once it stayed at or above the threshold for the sustained time; a dip starts over", () => {
  const rule = new GpuTemperatureRule(() => ({ thresholdC: 85, sustainedSeconds: 30, hysteresisC: 5 }));
  expect(rule.observe([gpu(0, 86, 0), gpu(1, 70, 0)])).toEqual([]);
  expect(rule.observe([gpu(0, 88, 29_000)])).toEqual([]);
  expect(rule.observe([gpu(0, 84, 29_500)])).toEqual([]);
  expect(rule.observe([gpu(0, 90, 30_000)])).toEqual([]);
  expect(rule.observe([gpu(0, 90, 59_999)])).toEqual([]);
  expect(rule.observe([gpu(0, 91, 60_000), gpu(1, 60, 60_000)])).toEqual([
    expect.objectContaining({ kind: "gpu_temperature", severity: "warning", subject: "gpu0", title: "GPU 0 is at 91 °C", message: expect.stringContaining("for 30 s") }),
  ]);
  expect(rule.observe([gpu(0, null, 61_000)])).toEqual([]);
  expect(rule.observe([gpu(0, 95, 62_000)])).toEqual([]);
});

test("cool-down: one alert per kind and subject per window, the held-back ones counted on the next", () => {
  let seconds = 60;
  const cooldown = new Cooldown(() => seconds);
  expect(cooldown.admit("backend_crashed:qwen-14b", 0)).toEqual({ suppressed: 0 });
  expect(cooldown.admit("backend_crashed:qwen-14b", 10_000)).toBeNull();
  expect(cooldown.admit("backend_crashed:qwen-14b", 59_999)).toBeNull();
  // Another subject, another kind: their own windows.
  expect(cooldown.admit("backend_crashed:qwen-7b", 10_000)).toEqual({ suppressed: 0 });
  expect(cooldown.admit("backend_restarted:qwen-14b", 10_000)).toEqual({ suppressed: 0 });
  expect(cooldown.admit("backend_crashed:qwen-14b", 60_000)).toEqual({ suppressed: 2 });
  expect(cooldown.admit("backend_crashed:qwen-14b", 61_000)).toBeNull();
  // The window follows the config (hot reload).
  seconds = 0;
  expect(cooldown.admit("backend_crashed:qwen-14b", 61_001)).toEqual({ suppressed: 1 });
});

test("a crash ends when the backend's health is ready again or a restart of it succeeded; nothing else ends it", () => {
  const ready = { ...labEvent("health_change", "qwen-14b", "qwen-14b is ready"), severity: "info" as const };
  expect(resolutionForLabEvent(ready)).toMatchObject({ kind: "backend_crashed", status: "resolved", subject: "qwen-14b", backend: "qwen-14b", title: "qwen-14b is ready again" });
  expect(resolutionForLabEvent({ ...ready, severity: "warning", message: "qwen-14b is down" })).toBeNull();
  expect(resolutionForLabEvent(labEvent("container_exit", "qwen-14b"))).toBeNull();
  expect(resolutionForOperation(operation)).toMatchObject({ kind: "backend_crashed", status: "resolved", subject: "qwen-14b", message: "qwen-14b is ready again (restarted by the watchdog)." });
  expect(resolutionForOperation({ ...operation, status: "failed" })).toBeNull();
  expect(resolutionForOperation({ ...operation, kind: "mode_switch", backendId: null })).toBeNull();
});

test("error rate: back at or under the threshold is said once; a window emptied of failures ends it too", () => {
  const rule = new ErrorRateRule(() => ({ thresholdPct: 10, windowMinutes: 1, minRequests: 10 }));
  const ok = { status: 200, outcome: "served" };
  const failed = { status: 503, outcome: "rejected" };
  let now = 1_000_000;
  for (let i = 0; i < 8; i++) rule.observe(ok, now);
  rule.observe(failed, now);
  expect(rule.observe(failed, now)).toMatchObject({ title: "20.0 % of requests failed" });
  expect(rule.observe(failed, (now += 100))).toMatchObject({ title: "27.3 % of requests failed" });
  // 3 of 30 is exactly the threshold: resolved, once.
  const results = [];
  for (let i = 0; i < 19; i++) results.push(rule.observe(ok, (now += 100)));
  expect(results.slice(0, -1).map((result) => result?.status ?? "firing")).toEqual(Array(18).fill("firing"));
  expect(results.at(-1)).toMatchObject({ kind: "error_rate", status: "resolved", subject: "gateway", title: "Error rate back to 10.0 %" });
  expect(rule.observe(ok, (now += 100))).toBeNull();
  expect(rule.evaluate((now += 100))).toBeNull();

  // Fires again; then traffic stops and the failures leave the window: the end is seen without a request.
  for (let i = 0; i < 10; i++) rule.observe(failed, (now += 100));
  expect(rule.evaluate(now)).toMatchObject({ kind: "error_rate", title: "31.7 % of requests failed" });
  expect(rule.evaluate((now += 30_000))?.status).toBeUndefined();
  expect(rule.evaluate((now += 31_000))).toMatchObject({ status: "resolved", title: "Error rate back to 0.0 %" });
  expect(rule.evaluate((now += 1_000))).toBeNull();
});

test("GPU temperature: resolved once below the threshold less the hysteresis; hovering at the threshold does not flap", () => {
  const rule = new GpuTemperatureRule(() => ({ thresholdC: 85, sustainedSeconds: 10, hysteresisC: 5 }));
  const statuses = (drafts: { status?: string }[]) => drafts.map((draft) => draft.status ?? "firing");
  expect(rule.observe([gpu(0, 86, 0)])).toEqual([]);
  expect(statuses(rule.observe([gpu(0, 87, 10_000)]))).toEqual(["firing"]);
  // Around the threshold: under it (the sustained time starts over), at it again, just over the hysteresis line.
  const hovering = [84, 86, 83, 85, 80, 82, 81, null].flatMap((temperature, i) => rule.observe([gpu(0, temperature, 11_000 + i * 1_000)]));
  expect(hovering).toEqual([]);
  const cooled = rule.observe([gpu(0, 79, 20_000), gpu(1, 40, 20_000)]);
  expect(cooled).toEqual([expect.objectContaining({ kind: "gpu_temperature", status: "resolved", subject: "gpu0", title: "GPU 0 is back to 79 °C", message: expect.stringContaining("below 80 °C") })]);
  expect(rule.observe([gpu(0, 70, 21_000)])).toEqual([]);
  // Hot again for the sustained time: a new alert, and later its own end.
  expect(rule.observe([gpu(0, 90, 30_000)])).toEqual([]);
  expect(statuses(rule.observe([gpu(0, 90, 40_000)]))).toEqual(["firing"]);
  expect(statuses(rule.observe([gpu(0, 60, 41_000)]))).toEqual(["resolved"]);
});

test("error rate seeded at start from per-minute rollups: a window the restart did not empty still judges, an open alert still ends once", () => {
  const settings = { thresholdPct: 10, windowMinutes: 2, minRequests: 10 };
  const now = 1_800_000_000_000 + 30_000; // 30 s into a minute
  const minute = (ago: number) => Math.floor(now / 60_000) * 60_000 - ago * 60_000;

  // 6 of 20 failed in the last two minutes before the restart: still above the threshold, so still firing.
  const busy = new ErrorRateRule(() => settings);
  busy.seed([{ minuteMs: minute(1), total: 12, failed: 4 }, { minuteMs: minute(0), total: 8, failed: 2 }, { minuteMs: minute(5), total: 50, failed: 50 }], now, true);
  expect(busy.evaluate(now)).toMatchObject({ kind: "error_rate", title: "30.0 % of requests failed", message: expect.stringContaining("6 of 20 requests") });
  // The minute three back was outside the window at the seed; the seeded minutes leave it as time goes on.
  expect(busy.evaluate(now + 3 * 60_000)).toMatchObject({ status: "resolved", title: "Error rate back to 0.0 %" });
  expect(busy.evaluate(now + 3 * 60_000 + 5_000)).toBeNull();

  // Open when Switchyard stopped, and the rollups show the lab fine since: the first evaluation ends it, once.
  const recovered = new ErrorRateRule(() => settings);
  recovered.seed([{ minuteMs: minute(1), total: 40, failed: 1 }], now, true);
  expect(recovered.evaluate(now)).toMatchObject({ status: "resolved", title: "Error rate back to 2.5 %" });
  expect(recovered.evaluate(now + 5_000)).toBeNull();

  // Not open: a quiet window seeds nothing to say.
  const quiet = new ErrorRateRule(() => settings);
  quiet.seed([], now, false);
  expect(quiet.evaluate(now)).toBeNull();

  // Requests after the seed add to the seeded minute.
  const counting = new ErrorRateRule(() => settings);
  counting.seed([{ minuteMs: minute(0), total: 9, failed: 0 }], now, false);
  expect(counting.observe({ status: 503, outcome: "rejected" }, now + 1_000)).toBeNull();
  expect(counting.observe({ status: 503, outcome: "rejected" }, now + 2_000)).toMatchObject({ title: "18.2 % of requests failed", message: expect.stringContaining("2 of 11 requests") });
});

test("GPU temperature seeded as firing at start: its first cool reading ends it; the cool-down seeded at start runs on", () => {
  const rule = new GpuTemperatureRule(() => ({ thresholdC: 85, sustainedSeconds: 10, hysteresisC: 5 }));
  rule.seedFiring(1);
  expect(rule.observe([gpu(0, 40, 0), gpu(1, 82, 0)])).toEqual([]);
  expect(rule.observe([gpu(1, 60, 1_000)])).toEqual([expect.objectContaining({ status: "resolved", subject: "gpu1" })]);
  expect(rule.observe([gpu(1, 50, 2_000)])).toEqual([]);

  const cooldown = new Cooldown(() => 300);
  cooldown.seed("backend_crashed:qwen-14b", 1_000_000);
  cooldown.seed("backend_crashed:qwen-14b", 900_000); // an older one does not move it back
  expect(cooldown.admit("backend_crashed:qwen-14b", 1_000_000 + 299_000)).toBeNull();
  expect(cooldown.admit("backend_crashed:qwen-7b", 1_000_000 + 1_000)).toEqual({ suppressed: 0 });
  expect(cooldown.admit("backend_crashed:qwen-14b", 1_000_000 + 300_000)).toEqual({ suppressed: 1 });
});
