import { describe, expect, test } from "vitest";
import { computeVerdict, type VerdictInputs } from "./verdict";

const NOW = Date.parse("2026-12-06T10:00:30Z");

function lab(over: Partial<VerdictInputs> = {}): VerdictInputs {
  return {
    now: NOW,
    mode: "standard",
    operation: null,
    backends: [
      { id: "qwen-7b", inCurrentMode: true, state: "ready", stateReason: null },
      { id: "qwen-14b", inCurrentMode: true, state: "ready", stateReason: null },
      { id: "qwen-32b", inCurrentMode: false, state: "stopped", stateReason: null },
    ],
    runtime: { kind: "docker", reachable: true, error: null },
    configError: null,
    simulated: { gpus: false, engines: false },
    traffic: [{ backend: "qwen-7b", requests: 40, status5xx: 0, failedStreams: 0 }],
    errorsFrom: Date.parse("2026-12-06T09:59:00Z"),
    events: [],
    operations: [],
    recentFrom: NOW - 15 * 60_000,
    ...over,
  };
}

const withBackend = (id: string, state: VerdictInputs["backends"][number]["state"], stateReason: string | null = null) =>
  lab().backends.map((b) => (b.id === id ? { ...b, state, stateReason } : b));

describe("the lab's health verdict", () => {
  test("every backend of the mode ready and no 5xx is green, with no problems", () => {
    const verdict = computeVerdict(lab());
    expect(verdict.level).toBe("green");
    expect(verdict.summary).toBe("All 2 backends of standard serving, no errors to clients");
    expect(verdict.problems).toEqual([]);
  });

  test("simulated data is said, and does not colour the verdict", () => {
    const verdict = computeVerdict(lab({ simulated: { gpus: true, engines: true } }));
    expect(verdict.level).toBe("green");
    expect(verdict.problems).toEqual([expect.objectContaining({ kind: "simulated", level: "info", current: true, message: expect.stringContaining("GPU telemetry and the engines") })]);
  });

  test("a backend of the mode that is down is red, with links to its failed requests and its events", () => {
    const verdict = computeVerdict(lab({ backends: withBackend("qwen-14b", "down", "container exited (exit code 137)") }));
    expect(verdict.level).toBe("red");
    expect(verdict.summary).toBe("qwen-14b is down: container exited (exit code 137)");
    expect(verdict.problems[0]).toMatchObject({
      kind: "backend_down",
      level: "red",
      current: true,
      backendId: "qwen-14b",
      requests: { backend: "qwen-14b", status: ["5xx"], from: "2026-12-06T09:59:00.000Z" },
      labEvents: { backendId: "qwen-14b" },
    });
  });

  test("a backend outside the mode being stopped is no problem", () => {
    expect(computeVerdict(lab()).problems.some((p) => p.backendId === "qwen-32b")).toBe(false);
  });

  test("the watchdog restarting a crashed backend stays red until it is back; an operator's restart is amber", () => {
    const watchdog = { id: "op-1", kind: "restart" as const, backendId: "qwen-14b", toMode: "standard", requestedBy: "watchdog", reason: "container exited with code 137", startedAt: NOW - 1_000 };
    const restarting = computeVerdict(lab({ operation: watchdog, backends: withBackend("qwen-14b", "loading") }));
    expect(restarting.level).toBe("red");
    expect(restarting.summary).toBe("qwen-14b crashed; the watchdog is restarting it (container exited with code 137)");
    // Said once: no "restart in progress" note beside it.
    expect(restarting.problems.map((p) => p.kind)).toEqual(["backend_restarting"]);
    const planned = computeVerdict(lab({ operation: { ...watchdog, requestedBy: "console", reason: null }, backends: withBackend("qwen-14b", "stopped") }));
    expect(planned.level).toBe("amber");
    expect(planned.summary).toBe("qwen-14b is restarting (requested from the console)");
  });

  test("a mode switch in progress is news, not a fault: its backends stopping and loading colour nothing", () => {
    const verdict = computeVerdict(
      lab({
        operation: { id: "op-2", kind: "mode_switch", backendId: null, toMode: "deep", requestedBy: "console", reason: null, startedAt: NOW - 2_000 },
        backends: withBackend("qwen-7b", "draining").map((b) => (b.id === "qwen-14b" ? { ...b, state: "stopped" as const } : b)),
      }),
    );
    expect(verdict.level).toBe("green");
    expect(verdict.problems).toEqual([expect.objectContaining({ kind: "operation_running", level: "info", message: "Mode switch to deep in progress" })]);
    // Not "All 2 backends of standard serving": they are draining and stopped while the switch runs.
    expect(verdict.summary).toBe("Switching from standard to deep, no errors to clients");
  });

  test("a mode of one backend is said in words that fit one", () => {
    const deep = lab({ mode: "deep", backends: lab().backends.map((b) => ({ ...b, inCurrentMode: b.id === "qwen-32b", state: b.id === "qwen-32b" ? "ready" : "asleep" })) });
    expect(computeVerdict(deep).summary).toBe("qwen-32b, the one backend of deep, serving, no errors to clients");
  });

  test("5xx answers to clients: amber below 5 % of requests, red from 5 %; those before any backend are listed apart", () => {
    expect(computeVerdict(lab({ traffic: [{ backend: "qwen-7b", requests: 100, status5xx: 4, failedStreams: 0 }] })).level).toBe("amber");
    const verdict = computeVerdict(lab({ traffic: [{ backend: "qwen-7b", requests: 100, status5xx: 5, failedStreams: 0 }, { backend: "", requests: 12, status5xx: 12, failedStreams: 0 }] }));
    expect(verdict.level).toBe("red");
    expect(verdict.problems.map((p) => [p.id, p.level, p.message, p.requests])).toEqual([
      ["errors-qwen-7b", "red", "5 requests of 100 answered 5xx through qwen-7b since 09:59 UTC", { backend: "qwen-7b", status: ["5xx"], from: "2026-12-06T09:59:00.000Z" }],
      ["errors-none", "red", "12 requests of 12 answered 5xx before reaching a backend (none available) since 09:59 UTC", { status: ["5xx"], from: "2026-12-06T09:59:00.000Z" }],
    ]);
    expect(verdict.summary).toMatch(/^2 problems: 5 requests of 100/);
  });

  test("streams cut after their 200 are errors to clients as a 5xx is: counted with them, named apart, linked by outcome", () => {
    // A backend killed mid-stream: every row is status 200, outcome upstream_error. No 5xx, yet the clients failed.
    const cut = computeVerdict(lab({ traffic: [{ backend: "qwen-7b", requests: 40, status5xx: 0, failedStreams: 3 }] }));
    expect(cut.level).toBe("red");
    expect(cut.summary).not.toContain("no errors to clients");
    expect(cut.problems.map((p) => [p.kind, p.level, p.message, p.requests])).toEqual([
      [
        "server_errors",
        "red",
        "3 requests of 40 failed mid-stream after their 200 through qwen-7b since 09:59 UTC",
        { backend: "qwen-7b", status: ["2xx"], outcome: ["upstream_error", "timeout"], from: "2026-12-06T09:59:00.000Z" },
      ],
    ]);
    // Below 5 % together: amber; 5xx and cut streams add up to the share.
    expect(computeVerdict(lab({ traffic: [{ backend: "qwen-7b", requests: 100, status5xx: 2, failedStreams: 2 }] })).level).toBe("amber");
    const both = computeVerdict(lab({ traffic: [{ backend: "qwen-7b", requests: 100, status5xx: 3, failedStreams: 2 }] }));
    expect(both.level).toBe("red");
    expect(both.problems[0]).toMatchObject({
      message: "5 requests of 100 failed (3 answered 5xx, 2 cut mid-stream after their 200) through qwen-7b since 09:59 UTC",
      requests: { backend: "qwen-7b", from: "2026-12-06T09:59:00.000Z" },
    });
    expect(both.problems[0]!.requests).not.toHaveProperty("status");
  });

  test("4xx answers are the clients' business: they never colour the verdict", () => {
    // The traffic input carries 5xx only; a lab answering 400s to a broken client stays green.
    expect(computeVerdict(lab({ traffic: [{ backend: "qwen-7b", requests: 100, status5xx: 0, failedStreams: 0 }] })).level).toBe("green");
  });

  test("an invalid config is amber and shows the validator's error", () => {
    const verdict = computeVerdict(lab({ configError: "backends.qwen-7b.gpus: expected array" }));
    expect(verdict.level).toBe("amber");
    expect(verdict.summary).toBe("The config file is invalid; the last good config stays in force: backends.qwen-7b.gpus: expected array");
  });

  test("an unreachable container runtime is red", () => {
    expect(computeVerdict(lab({ runtime: { kind: "docker", reachable: false, error: "connect ENOENT /var/run/docker.sock" } })).problems[0]).toMatchObject({
      kind: "runtime_unreachable",
      level: "red",
      message: "The container runtime (docker) is unreachable: connect ENOENT /var/run/docker.sock",
    });
  });

  test("the newest operation rolled back is amber until a later one succeeds; older failures are only recent", () => {
    const rolledBack = { id: "op-3", kind: "mode_switch" as const, backendId: null, fromMode: "standard", toMode: "deep", status: "rolled_back", error: "qwen-32b: OOM-killed while loading", startedAt: NOW - 120_000, finishedAt: NOW - 60_000 };
    const verdict = computeVerdict(lab({ operations: [rolledBack] }));
    expect(verdict.level).toBe("amber");
    expect(verdict.problems).toEqual([
      expect.objectContaining({ id: "operation-op-3", kind: "switch_failed", current: true, message: "The switch from standard to deep was rolled back: qwen-32b: OOM-killed while loading" }),
    ]);
    const later = { ...rolledBack, id: "op-4", status: "succeeded", error: null, startedAt: NOW - 30_000, finishedAt: NOW - 20_000 };
    const after = computeVerdict(lab({ operations: [rolledBack, later] }));
    expect(after.level).toBe("green");
    expect(after.problems).toEqual([expect.objectContaining({ id: "operation-op-3", current: false, labEvents: { kind: "mode_switch" } })]);
  });

  test("a crash the watchdog has repaired is one recent problem (its health change is not a second), not a current one: green again", () => {
    const crash = { id: 7, at: NOW - 90_000, kind: "container_exit", severity: "error" as const, backendId: "qwen-14b", message: "qwen-14b exited with code 137" };
    const restarted = { id: 8, at: NOW - 89_000, kind: "watchdog_restart", severity: "warning" as const, backendId: "qwen-14b", message: "watchdog restarts qwen-14b: container exited with code 137" };
    const echo = { id: 9, at: NOW - 90_000, kind: "health_change", severity: "warning" as const, backendId: "qwen-14b", message: "qwen-14b is down: container exited (137)" };
    const verdict = computeVerdict(lab({ events: [crash, restarted, echo] }));
    expect(verdict.level).toBe("green");
    expect(verdict.problems).toEqual([
      expect.objectContaining({
        id: "event-7",
        kind: "backend_crashed",
        level: "red",
        current: false,
        at: "2026-12-06T09:59:00.000Z",
        requests: { backend: "qwen-14b", status: ["5xx"], from: "2026-12-06T09:58:00.000Z" },
        labEvents: { backendId: "qwen-14b" },
      }),
    ]);
  });

  test("current problems come first, most serious first; recent ones after, newest first", () => {
    const verdict = computeVerdict(
      lab({
        configError: "bad",
        backends: withBackend("qwen-7b", "unhealthy", "HTTP 500"),
        simulated: { gpus: true, engines: false },
        events: [
          { id: 1, at: NOW - 600_000, kind: "oom", severity: "error", backendId: "qwen-14b", message: "old" },
          { id: 2, at: NOW - 60_000, kind: "health_change", severity: "warning", backendId: "qwen-7b", message: "new" },
          { id: 3, at: NOW - 30_000, kind: "health_change", severity: "info", backendId: "qwen-7b", message: "qwen-7b is ready" },
        ],
      }),
    );
    expect(verdict.level).toBe("red");
    expect(verdict.problems.map((p) => `${p.current ? "now" : "then"} ${p.level} ${p.kind}`)).toEqual([
      "now red backend_unhealthy",
      "now amber config_invalid",
      "now info simulated",
      "then amber backend_unhealthy",
      "then red backend_crashed",
    ]);
  });
});
