import { afterEach, describe, expect, test } from "vitest";
import { gpuFreeLine, parseGpuFreeLine, startupRefusal, wakeFits } from "./gpu-memory";
import { SimLoadError, startSimulator, type RunningSimulator } from "./server";

describe("the spawner's gpu_free lines", () => {
  test("round-trip, and anything else on stdin is ignored", () => {
    expect(parseGpuFreeLine(gpuFreeLine(4_096.4).trim())).toBe(4_096);
    expect(parseGpuFreeLine("hello")).toBeNull();
    expect(parseGpuFreeLine('{"event":"gpu_free","freeMiB":-1}')).toBeNull();
    expect(parseGpuFreeLine('{"event":"gpu_free","freeMiB":"lots"}')).toBeNull();
    expect(parseGpuFreeLine('{"event":"gpu_free",')).toBeNull();
  });
});

describe("vLLM's start-up check", () => {
  test("refuses below utilization x total, with vLLM's words and GiB figures", () => {
    const lines = startupRefusal(20_000, 0.9, 24_576);
    expect(lines).toContain(
      "ValueError: Free memory on device cuda:0 (19.53/24 GiB) on startup is less than desired GPU memory utilization (0.9, 21.6 GiB). " +
        "Decrease GPU memory utilization or reduce GPU memory used by other processes.",
    );
    expect(startupRefusal(22_118.4, 0.9, 24_576)).toBeNull();
  });

  test("never refuses without a utilization or without knowing the free memory", () => {
    expect(startupRefusal(100, undefined, 24_576)).toBeNull();
    expect(startupRefusal(null, 0.9, 24_576)).toBeNull();
  });

  test("a wake fits when the others leave room for all the engine will hold again", () => {
    expect(wakeFits(20_000, 20_000)).toBe(true);
    expect(wakeFits(19_999, 20_000)).toBe(false);
    expect(wakeFits(null, 20_000)).toBe(true);
  });
});

describe("a simulator told its GPUs' free memory", () => {
  let sim: RunningSimulator | null = null;
  afterEach(async () => {
    await sim?.close();
    sim = null;
  });
  const OPTIONS = { zeroLatency: true, serverDevMode: true, enableSleepMode: true, memoryMiB: 20_000, weightsMiB: 14_000, hostToGpuMiBps: 70_000 };

  test("does not start when less than its share is free, as vLLM", async () => {
    const error = await startSimulator({ ...OPTIONS, gpuMemoryUtilization: 0.81, gpuFreeMiB: 19_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimLoadError);
    expect((error as SimLoadError).message).toMatch(/^ValueError: Free memory on device cuda:0 \(18\.55\/24 GiB\) on startup is less than desired GPU memory utilization \(0\.81, 19\.44 GiB\)/);
  });

  test("starts when its share is free, and reports the utilization in cache_config_info", async () => {
    sim = await startSimulator({ ...OPTIONS, gpuMemoryUtilization: 0.81, gpuFreeMiB: 24_575 });
    expect(await (await fetch(`${sim.url}/metrics`)).text()).toMatch(/vllm:cache_config_info\{[^}]*gpu_memory_utilization="0.81"/);
  });

  test("a wake whose pool does not fit fails with CUDA's out of memory and leaves the engine unusable", async () => {
    sim = await startSimulator({ ...OPTIONS, gpuMemoryUtilization: 0.81, gpuFreeMiB: 24_575 });
    await fetch(`${sim.url}/sleep?level=1`, { method: "POST" });
    expect(sim.state().sleep.memoryPerGpuMiB).toBe(480);
    // Another engine took all but 19,999 MiB: the 480 MiB it keeps and the 19,520 MiB pool do not fit together.
    sim.simulator.setGpuFreeMiB(19_999);
    const failed = await fetch(`${sim.url}/wake_up`, { method: "POST" });
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { error: { message: string } }).error.message).toMatch(/CUDA Error: out of memory/);
    expect(sim.state().sleep).toMatchObject({ phase: "failed", isSleeping: true, memoryPerGpuMiB: 480 });
  });

  test("a wake with room maps its pool back", async () => {
    sim = await startSimulator({ ...OPTIONS, gpuMemoryUtilization: 0.81, gpuFreeMiB: 24_575 });
    await fetch(`${sim.url}/sleep?level=1`, { method: "POST" });
    sim.simulator.setGpuFreeMiB(20_000);
    expect((await fetch(`${sim.url}/wake_up`, { method: "POST" })).status).toBe(200);
    expect(sim.state().sleep).toMatchObject({ phase: "awake", memoryPerGpuMiB: 20_000 });
  });
});
