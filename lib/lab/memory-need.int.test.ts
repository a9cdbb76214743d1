import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OperationView } from "@/lib/lab/controller";
import type { SimulatedRuntime } from "@/lib/runtime/simulated";
import { chatLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { backendOf, labClient } from "@/lib/testing/lab-client";
import { waitFor } from "@/lib/testing/wait";

/**
 * The memory check by each engine's declared need (lib/lab/gpu-memory-need.ts) on simulator processes that refuse
 * to start or wake as vLLM does when their GPUs lack room (lib/sim/gpu-memory.ts): a check that lets an engine
 * start too early makes the switch fail, not just a number differ. The 7B and 14B run at gpuMemoryUtilization 0.5,
 * the 32B at 0.85; every engine holds about that share of the simulated 24,576 MiB cards when awake.
 * No single threshold passes both switches: the first must refuse 6,481 MiB held, the second accept 10,451.
 */

const MEMORY = { "qwen-7b": 12_300, "qwen-14b": 12_300, "qwen-32b": 20_900 } as const;

let app: AppHarness;

const { status, chat, switchTo } = labClient(() => app.url);

function stepDetail(op: OperationView, name: string): string {
  return op.steps.find((s) => s.name === name)?.detail ?? "";
}

async function fault(id: keyof typeof MEMORY, patch: Record<string, unknown>): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${app.ports[id]}/_sim/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(patch) });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  app = await startAppHarness({
    yaml: (ports) =>
      chatLabYaml(ports, {
        sleep: true,
        gpuMemoryUtilization: { "qwen-7b": 0.5, "qwen-14b": 0.5, "qwen-32b": 0.85 },
        sim: {
          "qwen-7b": `{ loadMs: 1000, ttftMs: 20, tokensPerSecond: 100, maxNumSeqs: 32, memoryMiB: ${MEMORY["qwen-7b"]} }`,
          "qwen-14b": `{ loadMs: 1000, ttftMs: 20, tokensPerSecond: 100, maxNumSeqs: 32, memoryMiB: ${MEMORY["qwen-14b"]} }`,
          "qwen-32b": `{ loadMs: 1000, ttftMs: 30, tokensPerSecond: 80, maxNumSeqs: 16, memoryMiB: ${MEMORY["qwen-32b"]} }`,
        },
        // Only for engines that declare no need (none here): a threshold this loose would let the 32B start next to 6 GB.
        lab: "{ drainSeconds: 5, stopTimeoutSeconds: 5, memoryReleaseSeconds: 15, memoryReleasedBelowMiB: 8192, loadTimeoutSeconds: 30 }",
        telemetryIntervalMs: 250,
      }),
  });
  await waitFor(async () => (await status()).backends.filter((b) => b.inCurrentMode).every((b) => b.state === "ready"), "the standard mode to load", 30_000, 200);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe("the memory each engine needs, on simulator processes", () => {
  test("standard -> deep with sleeps that leave 6,000 MiB: the 32B at 0.85 does not fit beside them, so they are stopped and the 32B starts", async () => {
    await fault("qwen-7b", { sleepLeavesMiB: 6_000 });
    await fault("qwen-14b", { sleepLeavesMiB: 6_000 });
    const op = await switchTo("deep");
    expect(op.status).toBe("succeeded");
    // Each GPU held 1 + 480 + 6,000 MiB: 18,095 free, less than 0.85 x 24,576 and the new engine's CUDA context.
    expect(stepDetail(op, "wait_gpu_memory")).toMatch(
      /^GPU 0: 18,095 MiB free, qwen-32b needs 21,402 MiB \(0\.85 x 24,576 \+ 512 MiB CUDA context\); GPU 1: 18,095 MiB free, qwen-32b needs 21,402 MiB \(0\.85 x 24,576 \+ 512 MiB CUDA context\) with qwen-7b, qwen-14b asleep: too much left behind, stopped qwen-7b, qwen-14b; room on GPU 0, 1 after [0-9.]+ s: GPU 0: 24,575 MiB free, qwen-32b needs 21,402 MiB/,
    );
    expect(stepDetail(op, "start_containers")).toBe("started qwen-32b");
    const lab = await status();
    for (const id of ["qwen-7b", "qwen-14b"]) expect(backendOf(lab, id)).toMatchObject({ state: "stopped", asleep: null, containerInfo: { state: "exited" } });
    expect(await chat("fast")).toEqual({ status: 200, backend: "qwen-32b" });
  }, 90_000);

  test("deep -> standard with a sleep that leaves 8,000 MiB: the 7B and 14B at 0.5 fit beside it, so the 32B stays asleep", async () => {
    await fault("qwen-32b", { sleepLeavesMiB: 8_000 });
    const op = await switchTo("standard");
    expect(op.status).toBe("succeeded");
    // Each GPU holds 1 + 2,450 (the 32B's TP=2 residue) + 8,000: 14,125 MiB free, more than 0.5 x 24,576 + 512.
    expect(stepDetail(op, "wait_gpu_memory")).toMatch(
      /^room on GPU 0, 1 after [0-9.]+ s: GPU 0: 14,125 MiB free, qwen-7b needs 12,800 MiB \(0\.5 x 24,576 \+ 512 MiB CUDA context\); GPU 1: 14,125 MiB free, qwen-14b needs 12,800 MiB \(0\.5 x 24,576 \+ 512 MiB CUDA context\)$/,
    );
    expect(stepDetail(op, "start_containers")).toBe("started qwen-7b, qwen-14b");
    const lab = await status();
    expect(backendOf(lab, "qwen-32b")).toMatchObject({ state: "asleep", asleep: { level: 1 }, containerInfo: { state: "running" } });
    expect(await chat("fast")).toEqual({ status: 200, backend: "qwen-7b" });
    expect(await chat("reasoning")).toEqual({ status: 200, backend: "qwen-14b" });
  }, 90_000);

  test("the simulated engines refuse as vLLM does when the lab is bypassed: a wake without room, a start without room", async () => {
    const runtime = app.switchyard.runtime as SimulatedRuntime;
    // The 32B sleeps beside the awake 7B and 14B (12,300 MiB each): waking it would need 20,900 MiB, 12,275 are left.
    // It learned that over its stdin as they started, long after its own start on empty GPUs.
    const wake = await fetch(`http://127.0.0.1:${app.ports["qwen-32b"]}/wake_up`, { method: "POST" });
    expect(wake.status).toBe(500);
    expect(((await wake.json()) as { error: { message: string } }).error.message).toMatch(/CUDA Error: out of memory/);
    expect((await runtime.logs("qwen-32b")).join("\n")).toMatch(/"event":"wake_up".*CUDA Error: out of memory/);

    // A cold start next to them: vLLM's start-up check refuses, the engine exits with its error in the log.
    await runtime.stop("qwen-32b");
    await runtime.start("qwen-32b");
    await waitFor(async () => (await runtime.inspect("qwen-32b")).state === "exited", "the 32B to exit", 15_000, 100);
    expect(await runtime.inspect("qwen-32b")).toMatchObject({ state: "exited", exitCode: 1, oomKilled: false });
    expect((await runtime.logs("qwen-32b")).join("\n")).toContain(
      "ValueError: Free memory on device cuda:0 (11.99/24 GiB) on startup is less than desired GPU memory utilization (0.85, 20.4 GiB).",
    );
  }, 60_000);
});
