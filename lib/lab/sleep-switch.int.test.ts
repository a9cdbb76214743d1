import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chatLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { backendOf, labClient, type OperationRecord } from "@/lib/testing/lab-client";
import { waitFor } from "@/lib/testing/wait";

/**
 * Sleep-aware switching on the simulated lab: simulator processes with vLLM's sleep endpoints (dev mode on), the
 * simulated GPUs following what each engine holds, Switchyard from the production factory over real HTTP.
 * standard -> deep -> standard: each switch puts the leaving engines to sleep, the GPUs read free (residue only)
 * before the other engines load or wake, and requests are served after each step.
 */

/** What a starting or waking engine tolerates on its GPUs: above the 32B's TP=2 residue plus the 7B's. */
const RELEASED_BELOW_MIB = 3072;
const AWAKE_MIB = 20_000;

let app: AppHarness;

const { status, chat, switchTo } = labClient(() => app.url);

/** Sets a simulator's fault switches at run time (lib/sim: `POST /_sim/faults`). */
async function fault(id: "qwen-7b" | "qwen-14b" | "qwen-32b", patch: Record<string, unknown>): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${app.ports[id]}/_sim/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(patch) });
  expect(response.status).toBe(200);
}

/** The per-GPU readings the memory check saw before engines loaded or woke: "GPU 0, 1 released in 0.3 s (481 MiB, 2931 MiB)". */
function releasedReadings(op: OperationRecord): number[] {
  const detail = op.steps.find((s) => s.name === "wait_gpu_memory")?.detail ?? "";
  const readings = /released in [0-9.]+ s \(([^)]*)\)/.exec(detail)?.[1];
  if (!readings) throw new Error(`wait_gpu_memory did not report released GPUs: ${detail}`);
  return readings.split(", ").map((reading) => Number.parseInt(reading, 10));
}

/** GPU memory as the console reads it (the latest telemetry on /api/status), once it reflects the switch. */
async function gpuMemory(what: string, matches: (used: number[]) => boolean): Promise<number[]> {
  let used: number[] = [];
  await waitFor(
    async () => {
      used = (await status()).gpus.map((gpu) => gpu.memoryUsedMiB ?? Number.NaN);
      return used.length === 2 && matches(used);
    },
    what,
    10_000,
    200,
  );
  return used;
}

beforeAll(async () => {
  app = await startAppHarness({
    yaml: (ports) =>
      chatLabYaml(ports, {
        sleep: true,
        sim: {
          "qwen-7b": `{ loadMs: 2500, ttftMs: 20, tokensPerSecond: 100, maxNumSeqs: 32, memoryMiB: ${AWAKE_MIB} }`,
          "qwen-14b": `{ loadMs: 2500, ttftMs: 20, tokensPerSecond: 100, maxNumSeqs: 32, memoryMiB: ${AWAKE_MIB} }`,
          "qwen-32b": `{ loadMs: 2500, ttftMs: 30, tokensPerSecond: 80, maxNumSeqs: 16, memoryMiB: ${AWAKE_MIB} }`,
        },
        lab: `{ drainSeconds: 5, stopTimeoutSeconds: 5, memoryReleaseSeconds: 15, memoryReleasedBelowMiB: ${RELEASED_BELOW_MIB}, loadTimeoutSeconds: 30 }`,
        telemetryIntervalMs: 250,
      }),
  });
  await waitFor(async () => (await status()).backends.filter((b) => b.inCurrentMode).every((b) => b.state === "ready"), "the standard mode to load", 30_000, 200);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe("a sleep switch on simulator processes", () => {
  test("standard -> deep puts the 7B and 14B to sleep, the GPUs hold only their residue when the 32B loads, and the 32B serves", async () => {
    expect(await chat("fast")).toEqual({ status: 200, backend: "qwen-7b" });
    const op = await switchTo("deep");
    expect(op.status).toBe("succeeded");
    expect(op.steps.map((s) => s.name)).toEqual([
      "stop_admitting",
      "drain",
      "sleep_engines",
      "stop_containers",
      "wait_gpu_memory",
      "wake_engines",
      "start_containers",
      "wait_ready",
      "switch_routing",
    ]);
    expect(op.steps.find((s) => s.name === "sleep_engines")?.detail).toMatch(/qwen-7b asleep \(level 1\); qwen-14b asleep \(level 1\)/);
    for (const used of releasedReadings(op)) expect(used).toBeLessThan(RELEASED_BELOW_MIB);

    const lab = await status();
    expect(lab.mode).toBe("deep");
    for (const id of ["qwen-7b", "qwen-14b"]) {
      expect(backendOf(lab, id)).toMatchObject({ state: "asleep", asleep: { level: 1 }, sleepLevel: 1, containerInfo: { state: "running" } });
    }
    // Per GPU: the 32B's memory plus the sleeping engine's residue, nothing like a second awake engine.
    const used = await gpuMemory("the 32B loaded next to the residue", (mib) => mib.every((m) => m >= AWAKE_MIB));
    for (const mib of used) expect(mib).toBeLessThan(AWAKE_MIB + RELEASED_BELOW_MIB);
    expect(await chat("fast")).toEqual({ status: 200, backend: "qwen-32b" });
    expect(await chat("reasoning")).toEqual({ status: 200, backend: "qwen-32b" });

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('switchyard_backend_asleep{backend="qwen-7b"} 1');
    expect(metrics).toContain('switchyard_backend_asleep{backend="qwen-32b"} 0');
  }, 90_000);

  test("deep -> standard wakes the 7B and 14B instead of reloading them, the 32B sleeps, and the 7B and 14B serve", async () => {
    const before = await status();
    const startsBefore = Object.fromEntries(["qwen-7b", "qwen-14b"].map((id) => [id, backendOf(before, id).containerInfo?.startedAt]));
    const op = await switchTo("standard");
    expect(op.status).toBe("succeeded");
    expect(op.steps.find((s) => s.name === "sleep_engines")?.detail).toMatch(/qwen-32b asleep \(level 1\)/);
    for (const used of releasedReadings(op)) expect(used).toBeLessThan(RELEASED_BELOW_MIB);
    expect(op.steps.find((s) => s.name === "wake_engines")?.detail).toMatch(/qwen-7b awake in [0-9.]+ s; qwen-14b awake in [0-9.]+ s/);
    expect(op.steps.find((s) => s.name === "start_containers")?.detail).toBe("nothing to start");

    const lab = await status();
    expect(lab.mode).toBe("standard");
    expect(backendOf(lab, "qwen-32b")).toMatchObject({ state: "asleep", asleep: { level: 1 } });
    // Woken, not restarted: the same simulator processes, started when the lab came up.
    for (const id of ["qwen-7b", "qwen-14b"]) expect(backendOf(lab, id).containerInfo?.startedAt).toBe(startsBefore[id]);
    const used = await gpuMemory("the 7B and 14B awake again", (mib) => mib.every((m) => m >= AWAKE_MIB));
    for (const mib of used) expect(mib).toBeLessThan(AWAKE_MIB + RELEASED_BELOW_MIB);
    expect(await chat("fast")).toEqual({ status: 200, backend: "qwen-7b" });
    expect(await chat("reasoning")).toEqual({ status: 200, backend: "qwen-14b" });
  }, 90_000);

  test("the fallbacks on real processes: sleeps that leave memory behind stop those engines, a wake that fails cold-starts, and the switch succeeds", async () => {
    await fault("qwen-7b", { sleepLeavesMiB: 6_000 });
    await fault("qwen-14b", { sleepLeavesMiB: 6_000 });
    await fault("qwen-32b", { failWake: true });
    const op = await switchTo("deep");
    expect(op.status).toBe("succeeded");
    expect(op.steps.find((s) => s.name === "wait_gpu_memory")?.detail).toMatch(/with qwen-7b, qwen-14b asleep: too much left behind, stopped qwen-7b, qwen-14b/);
    expect(op.steps.find((s) => s.name === "wake_engines")?.detail).toMatch(/qwen-32b did not wake \(.*\): cold start/);
    expect(op.steps.find((s) => s.name === "start_containers")?.detail).toBe("started qwen-32b");
    const lab = await status();
    expect(backendOf(lab, "qwen-7b")).toMatchObject({ state: "stopped", asleep: null, containerInfo: { state: "exited" } });
    expect(backendOf(lab, "qwen-32b")).toMatchObject({ asleep: null });
    expect(await chat("fast")).toEqual({ status: 200, backend: "qwen-32b" });
  }, 90_000);
});
