import { describe, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { EventBus } from "@/lib/events/bus";
import type { ContainerInfo, ContainerRuntime } from "@/lib/runtime/types";
import type { BackendHealthStatus } from "./backend-health";
import { LabReadiness } from "./readiness";
import { labYaml } from "./test-support";

const NOW = 1_000_000;
const config = parseLabConfig(`${labYaml}\nlab: { loadTimeoutSeconds: 60 }\n`);
const down: BackendHealthStatus = { state: "down", reason: "connection refused", since: NOW, lastCheckAt: NOW, consecutiveFailures: 1 };

/** The 7B as the runtime and the watchdog see it; everything else ready. */
function readiness(container: Partial<ContainerInfo>, watchdog: { enabled: boolean; nextAt?: number | null; gaveUp?: boolean } | null, runtime: "simulated" | "none" = "simulated") {
  const info: ContainerInfo = { backendId: "qwen-7b", name: "qwen-7b", state: "running", exitCode: null, oomKilled: false, restartCount: 0, startedAt: null, finishedAt: null, error: null, ...container };
  const fakeRuntime = {
    kind: "simulated",
    inspect: async () => {
      if (container.error) throw new Error(container.error);
      return info;
    },
  } as unknown as ContainerRuntime;
  return new LabReadiness({
    config: () => config,
    runtime: runtime === "none" ? null : fakeRuntime,
    health: { status: () => down, refresh: async () => undefined },
    watchdog: watchdog && { isEnabled: () => watchdog.enabled, hasGivenUp: () => watchdog.gaveUp ?? false, nextAttemptAt: () => watchdog.nextAt ?? null },
    lab: { currentMode: () => "standard", isAdmitting: () => true, runningOperation: () => null },
    bus: new EventBus(),
    clock: { now: () => NOW, sleep: async () => undefined },
  });
}

describe("will a backend that is down come back by itself?", () => {
  test("a container still within its load time: yes, whatever the watchdog", async () => {
    const outlook = await readiness({ state: "running", startedAt: new Date(NOW - 5_000) }, { enabled: false }).outlook("qwen-7b", 180_000);
    expect(outlook).toEqual({ coming: true, why: "qwen-7b is loading, started 5.0 s ago" });
  });

  test("a crash the watchdog restarts (now, or within the wait): yes", async () => {
    expect((await readiness({ state: "exited", exitCode: 137 }, { enabled: true }).outlook("qwen-7b", 180_000)).coming).toBe(true);
    expect(await readiness({ state: "exited" }, { enabled: true, nextAt: NOW + 20_000 }).outlook("qwen-7b", 180_000)).toEqual({ coming: true, why: "the watchdog restarts qwen-7b in 20.0 s" });
  });

  test("a running container past its load time that fails its probes: the watchdog's to restart", async () => {
    expect((await readiness({ state: "running", startedAt: new Date(NOW - 120_000) }, { enabled: true }).outlook("qwen-7b", 180_000)).coming).toBe(true);
    expect((await readiness({ state: "running", startedAt: new Date(NOW - 120_000) }, { enabled: false }).outlook("qwen-7b", 180_000)).coming).toBe(false);
  });

  test("no: watchdog off, a watchdog backing off beyond the wait, an external backend, a runtime that cannot answer", async () => {
    expect(await readiness({ state: "exited" }, { enabled: false }).outlook("qwen-7b", 180_000)).toEqual({ coming: false, why: "qwen-7b is down and the watchdog is off for it" });
    expect(await readiness({ state: "exited" }, { enabled: true, gaveUp: true }).outlook("qwen-7b", 180_000)).toEqual({
      coming: false,
      why: "qwen-7b is down and the watchdog gave up on it after lab.watchdogMaxRestarts restarts",
    });
    expect(await readiness({ state: "exited" }, { enabled: true, nextAt: NOW + 300_000 }).outlook("qwen-7b", 180_000)).toEqual({
      coming: false,
      why: "qwen-7b is down and the watchdog backs off: its next restart is in 300.0 s",
    });
    expect(await readiness({ state: "exited" }, null, "none").outlook("qwen-7b", 180_000)).toEqual({ coming: false, why: "qwen-7b is external: Switchyard cannot start it" });
    expect(await readiness({ error: "connect ECONNREFUSED /var/run/docker.sock" }, { enabled: true }).outlook("qwen-7b", 180_000)).toEqual({
      coming: false,
      why: "qwen-7b is down and the container runtime cannot tell its state",
    });
  });
});

describe("strict readiness", () => {
  test("every backend of the mode must be ready, and no operation may run", () => {
    const lab = readiness({}, null);
    expect(lab.modeReadiness()).toEqual({ ready: false, mode: "standard", backends: { "qwen-7b": "down", "qwen-14b": "down" }, operationRunning: false });
  });
});
