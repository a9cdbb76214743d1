import { describe, expect, test } from "vitest";
import type { BackendStatus, LabStatus } from "@/components/hooks/api-types";
import { findDegradations } from "./degradations";

const backend = (id: string, over: Partial<BackendStatus> = {}): BackendStatus => ({
  id,
  servedModel: id,
  kind: "chat",
  url: "http://127.0.0.1:1",
  gpus: [0],
  container: null,
  inCurrentMode: true,
  state: "ready",
  stateReason: null,
  inFlight: 0,
  queued: 0,
  maxConcurrency: 32,
  maxQueue: 64,
  engine: null,
  restarts: 0,
  containerInfo: null,
  watchdog: null,
  asleep: null,
  sleepLevel: null,
  ...over,
});

const healthy: LabStatus = {
  mode: "standard",
  modes: [],
  operation: null,
  operationEstimate: null,
  runtime: { kind: "docker", reachable: true, error: null },
  auth: "keys",
  adminAccess: { open: false, passwordLogin: true },
  configPath: "/x.yaml",
  configError: null,
  backends: [backend("qwen-7b"), backend("qwen-32b", { inCurrentMode: false, state: "stopped" })],
  gpus: [],
  gpuTelemetry: { source: "nvidia-smi", state: "running" },
  energy: { gpus: [], measuredWh: 0, idleWh: 0, requestsWh: 0, unattributedWh: 0, upToMs: null },
  requestLog: { queued: 0, written: 10, dropped: 0, failedBatches: 0, busyBatches: 0, lastError: null },
  startedAt: "2026-11-27T10:00:00Z",
};

describe("the overview's degraded banner", () => {
  test("a healthy lab has nothing to say", () => {
    expect(findDegradations(healthy, "open")).toEqual([]);
  });

  test("each loss of information or exposure is reported; serving problems are the verdict's", () => {
    const found = findDegradations(
      {
        ...healthy,
        auth: "open",
        adminAccess: { open: true, passwordLogin: false },
        configError: "line 3: unknown backend",
        runtime: { kind: "docker", reachable: false, error: "connect ENOENT /var/run/docker.sock" },
        backends: [backend("qwen-7b", { state: "down", stateReason: "container exited (exit code 137, OOM-killed)" })],
        gpuTelemetry: { source: "nvidia-smi", state: "unavailable", reason: "nvidia-smi not found" },
        requestLog: { queued: 0, written: 10, dropped: 12, failedBatches: 1, busyBatches: 0, lastError: "SQLITE_FULL" },
      },
      "reconnecting",
    );
    expect(found.map((d) => d.id)).toEqual(["telemetry", "request-log", "live", "auth", "admin-open"]);
    expect(found.find((d) => d.id === "request-log")?.message).toContain("dropped 12 row(s): SQLITE_FULL");
  });

});
