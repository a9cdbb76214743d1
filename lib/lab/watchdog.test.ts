import { expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { FakeRuntime, labYaml } from "./test-support";
import { Watchdog } from "./watchdog";

function setup(options: { disabled?: string; healthState?: string } = {}) {
  const config = parseLabConfig(labYaml);
  const runtime = new FakeRuntime((id) => config.backends[id]?.gpus ?? []);
  runtime.running.set("qwen-7b", { readyAt: 0 });
  runtime.running.set("qwen-14b", { readyAt: 0 });
  let now = 1_000_000;
  const restarts: string[] = [];
  const events: { kind: string; severity: string; message: string; detail?: Record<string, unknown> }[] = [];
  const reasons: string[] = [];
  const failures = new Map<string, number>();
  const watchdog = new Watchdog({
    config: () => config,
    currentMode: () => "standard",
    isBusy: () => false,
    restart: (id, reason) => {
      restarts.push(id);
      reasons.push(reason);
      void runtime.start(id);
    },
    runtime,
    health: (id) => ({
      state: (failures.get(id) ?? 0) > 0 ? (options.healthState ?? "unhealthy") : "ready",
      reason: "500",
      consecutiveFailures: failures.get(id) ?? 0,
      since: now,
    }),
    loadTimeoutMs: 60_000,
    maxRestarts: 3,
    recordEvent: (event) => events.push(event),
    clock: { now: () => now, sleep: async () => undefined },
  });
  if (options.disabled) watchdog.setEnabled(options.disabled, false);
  return { watchdog, runtime, restarts, reasons, events, failures, advance: (ms: number) => (now += ms) };
}

test("a container that exited is restarted, with the exit code, OOM flag and last log lines recorded", async () => {
  const lab = setup();
  lab.runtime.oomAtLoad.add("qwen-7b");
  lab.runtime.crash("qwen-7b", 137, true);
  await lab.watchdog.check();
  expect(lab.restarts).toEqual(["qwen-7b"]);
  expect(lab.events[0]?.message).toContain("exited with code 137 (OOM-killed)");
  expect(lab.events[0]?.detail).toMatchObject({ exitCode: 137, oomKilled: true, lastLines: ["torch.OutOfMemoryError: CUDA out of memory"] });
  // The restart itself carries the reason, so its record says why without a lookup in the events.
  expect(lab.reasons).toEqual(["container exited with code 137 (OOM-killed)"]);
});

test("restarts back off: 10 s, then 20 s, doubling", async () => {
  const lab = setup();
  lab.runtime.crash("qwen-14b");
  await lab.watchdog.check();
  lab.runtime.crash("qwen-14b");
  lab.advance(5_000);
  await lab.watchdog.check();
  expect(lab.restarts).toHaveLength(1);
  lab.advance(5_000);
  await lab.watchdog.check();
  expect(lab.restarts).toHaveLength(2);
  lab.runtime.crash("qwen-14b");
  lab.advance(15_000);
  await lab.watchdog.check();
  expect(lab.restarts).toHaveLength(2);
  lab.advance(5_000);
  await lab.watchdog.check();
  expect(lab.restarts).toHaveLength(3);
});

test("N failed health probes in a row count as dead; fewer do not", async () => {
  const lab = setup();
  lab.failures.set("qwen-7b", 2);
  await lab.watchdog.check();
  expect(lab.restarts).toEqual([]);
  lab.failures.set("qwen-7b", 3);
  await lab.watchdog.check();
  expect(lab.restarts).toEqual(["qwen-7b"]);
  expect(lab.events[0]?.message).toContain("health probe failed 3 times");
});

test("a backend with its watchdog turned off is left alone", async () => {
  const lab = setup({ disabled: "qwen-7b" });
  lab.runtime.crash("qwen-7b");
  await lab.watchdog.check();
  expect(lab.restarts).toEqual([]);
});

test("a running container that refuses connections is loading, not dead, until the load timeout", async () => {
  const lab = setup({ healthState: "down" });
  lab.runtime.inspect = async (id) => ({
    backendId: id,
    name: id,
    state: "running",
    exitCode: null,
    oomKilled: false,
    restartCount: 0,
    startedAt: new Date(1_000_000),
    finishedAt: null,
    error: null,
  });
  lab.failures.set("qwen-14b", 5);
  await lab.watchdog.check();
  expect(lab.restarts).toEqual([]);
  lab.advance(61_000);
  await lab.watchdog.check();
  expect(lab.restarts).toEqual(["qwen-14b"]);
  expect(lab.events[0]?.message).toContain("did not finish loading in time");
});

test("after maxRestarts restarts that did not bring a backend back, the watchdog gives up once, and a backend that came back gets a fresh budget", async () => {
  const lab = setup();
  // Down: its probes fail (fewer than the threshold: the exit is what counts here).
  lab.failures.set("qwen-14b", 1);
  for (let i = 0; i < 3; i++) {
    lab.runtime.crash("qwen-14b");
    await lab.watchdog.check();
    lab.advance(300_000);
  }
  expect(lab.restarts).toHaveLength(3);
  lab.runtime.crash("qwen-14b");
  await lab.watchdog.check();
  await lab.watchdog.check();
  lab.advance(300_000);
  await lab.watchdog.check();
  expect(lab.restarts).toHaveLength(3);
  const gaveUp = lab.events.filter((event) => event.kind === "watchdog_gave_up");
  expect(gaveUp).toHaveLength(1);
  expect(gaveUp[0]).toMatchObject({ severity: "error", message: expect.stringContaining("gave up on qwen-14b after 3 restarts") });

  // The operator restarts it by hand and it is ready: the next crash is the watchdog's again.
  void lab.runtime.start("qwen-14b");
  lab.failures.delete("qwen-14b");
  await lab.watchdog.check();
  lab.runtime.crash("qwen-14b");
  await lab.watchdog.check();
  expect(lab.restarts).toHaveLength(4);
});
