import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getEnv } from "@/lib/env";
import type { AppHarness } from "@/lib/testing/app-harness";
import { labClient } from "@/lib/testing/lab-client";
import { startPodmanLab, type PodmanLab, type PodmanLabBackend } from "@/lib/testing/podman-lab";
import { testEngineAnswers } from "@/lib/testing/test-engine";
import { waitFor } from "@/lib/testing/wait";

/**
 * The docker runtime's sleep path against a real Docker-compatible engine (Podman): simulator containers created as
 * the lab's compose file creates vLLM ones for sleep mode (`VLLM_SERVER_DEV_MODE=1` in the environment,
 * `--enable-sleep-mode`), adopted by name. A switch puts the leaving engines to sleep (their containers keep
 * running) and the way back wakes them in the same containers; a restart of a sleep-capable backend still works.
 */

type Id = PodmanLabBackend;

describe.skipIf(!testEngineAnswers() && !getEnv().CI)("sleep mode on real containers (Podman)", () => {
  let lab: PodmanLab;
  let app: AppHarness;

  const containerState = (id: Id) => lab.containerState(id);

  /** Asks the engine in the container itself, as an operator would with curl. */
  async function isSleeping(id: Id): Promise<boolean> {
    const response = await fetch(`http://127.0.0.1:${lab.ports[id]}/is_sleeping`);
    return ((await response.json()) as { is_sleeping: boolean }).is_sleeping;
  }

  const { status, chat, operation } = labClient(() => app.url);

  beforeAll(async () => {
    lab = await startPodmanLab({ prefix: "sy-sleep", sleep: true });
    app = lab.app;
    await waitFor(async () => (await status()).backends.filter((b) => b.inCurrentMode).every((b) => b.state === "ready"), "the standard mode's containers", 60_000, 250);
  }, 120_000);

  afterAll(async () => {
    await lab?.close();
  });

  test("standard -> deep: the 7B and 14B containers keep running with their engines asleep, the 32B container starts and serves", async () => {
    const op = await operation("/api/modes/deep/activate");
    expect(op.status).toBe("succeeded");
    expect(op.steps.find((s) => s.name === "sleep_engines")?.detail).toMatch(/qwen-7b asleep \(level 1\); qwen-14b asleep \(level 1\)/);
    // No GPU telemetry here: the step says the residue was not verified rather than pretending.
    expect(op.steps.find((s) => s.name === "wait_gpu_memory")?.detail).toMatch(/no GPU telemetry/);
    expect((await containerState("qwen-7b")).Running).toBe(true);
    expect((await containerState("qwen-14b")).Running).toBe(true);
    expect((await containerState("qwen-32b")).Running).toBe(true);
    expect(await isSleeping("qwen-7b")).toBe(true);
    expect(await isSleeping("qwen-14b")).toBe(true);
    const lab = await status();
    expect(lab.backends.find((b) => b.id === "qwen-7b")).toMatchObject({ state: "asleep", asleep: { level: 1 } });
    expect(await chat("fast")).toEqual({ status: 200, backend: "qwen-32b" });
  }, 120_000);

  test("deep -> standard wakes the 7B and 14B in the same containers (not restarted), and the 32B's engine sleeps", async () => {
    const startedAt = { "qwen-7b": (await containerState("qwen-7b")).StartedAt, "qwen-14b": (await containerState("qwen-14b")).StartedAt };
    const op = await operation("/api/modes/standard/activate");
    expect(op.status).toBe("succeeded");
    expect(op.steps.find((s) => s.name === "wake_engines")?.detail).toMatch(/qwen-7b awake in [0-9.]+ s; qwen-14b awake in [0-9.]+ s/);
    expect(op.steps.find((s) => s.name === "start_containers")?.detail).toBe("nothing to start");
    expect((await containerState("qwen-7b")).StartedAt).toBe(startedAt["qwen-7b"]);
    expect((await containerState("qwen-14b")).StartedAt).toBe(startedAt["qwen-14b"]);
    expect(await isSleeping("qwen-7b")).toBe(false);
    expect(await isSleeping("qwen-32b")).toBe(true);
    expect((await containerState("qwen-32b")).Running).toBe(true);
    expect(await chat("fast")).toEqual({ status: 200, backend: "qwen-7b" });
    expect(await chat("reasoning")).toEqual({ status: 200, backend: "qwen-14b" });
  }, 120_000);

  test("a restart of a sleep-capable backend restarts its container, which comes back awake and serves", async () => {
    const before = (await containerState("qwen-7b")).StartedAt;
    const op = await operation("/api/backends/qwen-7b/restart");
    expect(op.status).toBe("succeeded");
    expect((await containerState("qwen-7b")).StartedAt).not.toBe(before);
    expect(await isSleeping("qwen-7b")).toBe(false);
    await waitFor(async () => (await status()).backends.find((b) => b.id === "qwen-7b")?.state === "ready", "the restarted 7B", 30_000, 250);
    expect(await chat("fast")).toEqual({ status: 200, backend: "qwen-7b" });
  }, 120_000);
});
