import { expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { BackendHealth, type HealthProbe } from "./backend-health";

const config = parseLabConfig(JSON.stringify({ runtime: "none", backends: { a: { url: "http://127.0.0.1:9", servedModel: "m" } }, modes: { m: { backends: ["a"], default: true } } }));
const healthyProbe: HealthProbe = async () => ({ ok: true });

function healthWith(generation: () => Promise<void>) {
  return new BackendHealth({ config: () => config, backendsToWatch: () => ["a"], probe: healthyProbe, probeGeneration: generation });
}

test("an engine that hangs on every request but answers /health stays unhealthy until a one-token probe passes", async () => {
  let generates = false;
  const health = healthWith(async () => {
    if (!generates) throw new Error("no answer in time");
  });
  for (let i = 0; i < 3; i++) health.recordTraffic("a", false, "no answer in time", 3);
  expect(health.isHealthy("a")).toBe(false);

  await health.checkAll();
  expect(health.status("a")).toMatchObject({ state: "unhealthy" });
  expect(health.status("a").reason).toContain("one-token probe failed");

  generates = true;
  await health.checkAll();
  expect(health.isHealthy("a")).toBe(true);
});

test("passing /health probes between failed requests do not reset their count", async () => {
  const health = healthWith(async () => undefined);
  health.recordTraffic("a", false, "timeout", 3);
  await health.checkAll();
  health.recordTraffic("a", false, "timeout", 3);
  await health.checkAll();
  health.recordTraffic("a", false, "timeout", 3);
  expect(health.status("a")).toMatchObject({ state: "unhealthy", reason: "3 failed requests in a row (last: timeout)" });
});

test("a served request resets the count", () => {
  const health = healthWith(async () => undefined);
  health.recordTraffic("a", false, "timeout", 3);
  health.recordTraffic("a", false, "timeout", 3);
  health.recordTraffic("a", true, "", 3);
  health.recordTraffic("a", false, "timeout", 3);
  expect(health.isHealthy("a")).toBe(true);
});
