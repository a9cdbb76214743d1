import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createNvidiaSmiCollector } from "./nvidia-smi-collector";
import type { Collector, CollectorStatus, GpuSample } from "./types";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fakeScript = path.join(projectRoot, "scripts/fake-nvidia-smi.ts");

let dir: string;
let collector: Collector | null = null;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "switchyard-nvsmi-"));
});

afterEach(async () => {
  await collector?.stop();
  collector = null;
  // Belt and braces: whatever the test did, no fake nvidia-smi outlives it.
  for (const pid of readPids()) killQuietly(pid);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * An executable named like the real tool. It records its PID (kept by `exec`) so the test can kill it, and runs
 * from the project root so that `--import tsx` resolves.
 */
function writeFakeNvidiaSmi(): string {
  const wrapper = path.join(dir, "nvidia-smi");
  writeFileSync(
    wrapper,
    [
      "#!/bin/sh",
      `echo $$ >> "${path.join(dir, "pids")}"`,
      `cd "${projectRoot}" || exit 1`,
      `exec "${process.execPath}" --import tsx "${fakeScript}" "$@"`,
      "",
    ].join("\n"),
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

function readPids(): number[] {
  const file = path.join(dir, "pids");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("nvidia-smi collector against a real child process", () => {
  test("samples both GPUs, survives the child being SIGKILLed, and stops cleanly", async () => {
    const ticks: GpuSample[][] = [];
    const statuses: CollectorStatus[] = [];
    collector = createNvidiaSmiCollector({
      command: writeFakeNvidiaSmi(),
      intervalMs: 200,
      onSample: (tick) => ticks.push(tick),
      onStatus: (status) => statuses.push(status),
    });

    await waitFor("the first ticks", () => ticks.length >= 3);
    expect(statuses[0]).toEqual({ state: "running" });
    const tick = ticks[1] ?? [];
    expect(tick.map((sample) => sample.index)).toEqual([0, 1]);
    for (const sample of tick) {
      expect(sample).toMatchObject({ name: "NVIDIA GeForce RTX 3090", memoryTotalMiB: 24576, powerLimitW: 350 });
      expect(sample.utilizationPct).toBeGreaterThanOrEqual(0);
      expect(sample.powerDrawW).toBeLessThanOrEqual(350);
      expect(Math.abs(sample.at - Date.now())).toBeLessThan(10_000);
    }

    const [firstPid] = readPids();
    expect(firstPid).toBeDefined();
    process.kill(firstPid ?? -1, "SIGKILL");
    await waitFor("the failure to be reported", () => statuses.some((status) => status.state === "unavailable"));
    expect(statuses.find((status) => status.state === "unavailable")).toMatchObject({
      reason: expect.stringContaining("was killed by SIGKILL"),
      retryInMs: 1000,
    });

    const ticksBeforeRestart = ticks.length;
    await waitFor("samples from the restarted child", () => ticks.length >= ticksBeforeRestart + 3);
    const pids = readPids();
    expect(pids).toHaveLength(2);
    expect(pids[1]).not.toBe(firstPid);
    expect(statuses.at(-1)).toEqual({ state: "running" });
    expect(ticks.at(-1)?.map((sample) => sample.index)).toEqual([0, 1]);

    await collector.stop();
    collector = null;
    expect(statuses.at(-1)).toEqual({ state: "stopped" });
    expect(isAlive(pids[1] ?? -1)).toBe(false);
    const ticksAfterStop = ticks.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(ticks.length).toBe(ticksAfterStop);
    expect(readPids()).toHaveLength(2); // not restarted after stop()
  });

  test("a command that does not exist reports unavailable and keeps the app alive", async () => {
    const statuses: CollectorStatus[] = [];
    const ticks: GpuSample[][] = [];
    collector = createNvidiaSmiCollector({
      command: path.join(dir, "no-such-nvidia-smi"),
      intervalMs: 200,
      initialBackoffMs: 100,
      onSample: (tick) => ticks.push(tick),
      onStatus: (status) => statuses.push(status),
    });

    await waitFor("two failed attempts", () => statuses.filter((status) => status.state === "unavailable").length >= 2);
    expect(statuses[0]).toEqual({
      state: "unavailable",
      reason: `${path.join(dir, "no-such-nvidia-smi")} not found (ENOENT): is the NVIDIA driver installed?`,
      retryInMs: 100,
    });
    expect(statuses[1]).toMatchObject({ state: "unavailable", retryInMs: 200 });
    expect(ticks).toEqual([]);
    await collector.stop();
    collector = null;
    expect(statuses.at(-1)).toEqual({ state: "stopped" });
  });
});
