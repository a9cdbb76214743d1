import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { buildNvidiaSmiArgs } from "./nvidia-smi";
import { createNvidiaSmiCollector, type NvidiaSmiChild, type NvidiaSmiCollectorOptions } from "./nvidia-smi-collector";
import type { Collector, CollectorStatus, GpuSample } from "./types";

/** Stands in for a ChildProcess: the test writes its stdout and decides when it exits. */
class FakeChild extends EventEmitter implements NvidiaSmiChild {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: NodeJS.Signals[] = [];
  /** Node leaves `pid` undefined when the executable could not be spawned at all. */
  pid: number | undefined = 4242;

  constructor(private readonly diesOn: ReadonlySet<NodeJS.Signals> = new Set(["SIGTERM", "SIGKILL"])) {
    super();
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): boolean {
    this.signals.push(signal);
    if (this.diesOn.has(signal)) process.nextTick(() => this.emit("exit", null, signal));
    return true;
  }

  exit(code: number): void {
    process.nextTick(() => this.emit("exit", code, null));
  }
}

const row = (index: number, util: number) =>
  `2026/10/24 09:00:00.000, ${index}, GPU-${index}, NVIDIA GeForce RTX 3090, ${util}, 21000, 24576, 60, 250.00, 350.00, 1695, 55\n`;

let collector: Collector | null = null;
let children: FakeChild[] = [];
let samples: GpuSample[][] = [];
let statuses: CollectorStatus[] = [];
let spawned: Array<{ command: string; args: string[] }> = [];

function start(
  overrides: Partial<NvidiaSmiCollectorOptions> = {},
  makeChild: () => FakeChild = () => new FakeChild(),
): void {
  collector = createNvidiaSmiCollector({
    intervalMs: 1000,
    now: () => Date.now(),
    onSample: (tick) => samples.push(tick),
    onStatus: (status) => statuses.push(status),
    spawn: (command, args) => {
      spawned.push({ command, args });
      const child = makeChild();
      children.push(child);
      return child;
    },
    ...overrides,
  });
}

const latestChild = () => {
  const child = children.at(-1);
  if (!child) throw new Error("nothing spawned");
  return child;
};

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-10-24T09:00:00Z") });
  children = [];
  samples = [];
  statuses = [];
  spawned = [];
});

afterEach(async () => {
  const stopping = collector?.stop();
  await vi.runAllTimersAsync();
  await stopping;
  collector = null;
  vi.useRealTimers();
});

describe("createNvidiaSmiCollector", () => {
  test("runs one nvidia-smi in loop mode with the query arguments", () => {
    start({ command: "/usr/bin/nvidia-smi", intervalMs: 2000 });
    expect(spawned).toEqual([{ command: "/usr/bin/nvidia-smi", args: buildNvidiaSmiArgs(2000) }]);
  });

  test("groups the rows of a tick, however the pipe splits them, into one call per tick", async () => {
    start();
    const tick1 = row(0, 10) + row(1, 20);
    const t0 = Date.now();
    // a row arrives in pieces, and the second row's start rides with the first row's end
    latestChild().stdout.write(tick1.slice(0, 17));
    latestChild().stdout.write(tick1.slice(17, row(0, 10).length + 5));
    latestChild().stdout.write(tick1.slice(row(0, 10).length + 5));
    await vi.advanceTimersByTimeAsync(200);
    expect(samples).toHaveLength(1);
    expect(samples[0]?.map((sample) => [sample.index, sample.utilizationPct])).toEqual([
      [0, 10],
      [1, 20],
    ]);
    // stamped with our clock at arrival, the same for both GPUs of the tick
    expect(samples[0]?.map((sample) => sample.at)).toEqual([t0, t0]);

    await vi.advanceTimersByTimeAsync(800);
    latestChild().stdout.write(row(0, 30) + row(1, 40));
    await vi.advanceTimersByTimeAsync(0);
    expect(samples).toHaveLength(2);
    expect(samples[1]?.map((sample) => sample.utilizationPct)).toEqual([30, 40]);
    expect(statuses).toEqual([{ state: "running" }]);
  });

  test("a GPU index seen again starts a new tick even before the quiet gap", async () => {
    start({ intervalMs: 10_000 });
    latestChild().stdout.write(row(0, 1) + row(1, 1) + row(0, 2));
    await vi.advanceTimersByTimeAsync(0);
    expect(samples.map((tick) => tick.map((sample) => sample.utilizationPct))).toEqual([[1, 1]]);
  });

  test("nvidia-smi failing reports unavailable with its own message and restarts with doubling backoff", async () => {
    start({ initialBackoffMs: 1000, maxBackoffMs: 4000 });
    const fail = () => {
      latestChild().stdout.write("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n");
      latestChild().exit(9);
    };
    fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses.at(-1)).toEqual({
      state: "unavailable",
      reason: "nvidia-smi exited with code 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
      retryInMs: 1000,
    });
    expect(spawned).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(spawned).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(spawned).toHaveLength(2);

    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      fail();
      await vi.advanceTimersByTimeAsync(0);
      const status = statuses.at(-1);
      delays.push(status?.state === "unavailable" ? status.retryInMs : -1);
      await vi.advanceTimersByTimeAsync(delays.at(-1) ?? 0);
    }
    expect(delays).toEqual([2000, 4000, 4000]);
    expect(spawned).toHaveLength(5);
  });

  test("nvidia-smi not installed (ENOENT) is a status, not an exception", async () => {
    start({}, () => Object.assign(new FakeChild(), { pid: undefined }));
    const error = Object.assign(new Error("spawn nvidia-smi ENOENT"), { code: "ENOENT" });
    latestChild().emit("error", error);
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses).toEqual([
      { state: "unavailable", reason: "nvidia-smi not found (ENOENT): is the NVIDIA driver installed?", retryInMs: 1000 },
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(spawned).toHaveLength(2);
  });

  test("a spawn that throws synchronously is also just a status", async () => {
    collector = createNvidiaSmiCollector({
      intervalMs: 1000,
      onSample: () => undefined,
      onStatus: (status) => statuses.push(status),
      spawn: () => {
        throw Object.assign(new Error("spawn EACCES"), { code: "EACCES" });
      },
    });
    expect(statuses).toEqual([{ state: "unavailable", reason: "nvidia-smi is not executable (EACCES)", retryInMs: 1000 }]);
  });

  test("a child that goes silent (hung driver) is killed and replaced, even if it never dies", async () => {
    start({ stallTimeoutMs: 5000 }, () => new FakeChild(new Set()));
    latestChild().stdout.write(row(0, 1));
    await vi.advanceTimersByTimeAsync(4999);
    expect(latestChild().signals).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(children[0]?.signals).toEqual(["SIGKILL"]);
    expect(statuses.at(-1)).toEqual({ state: "unavailable", reason: "no output from nvidia-smi for 5 s", retryInMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(spawned).toHaveLength(2);
  });

  test("the backoff starts over after a child has been healthy for a while", async () => {
    start({ stableAfterMs: 10_000 });
    latestChild().exit(1);
    await vi.advanceTimersByTimeAsync(1000); // first failure: 1 s
    latestChild().exit(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses.at(-1)).toMatchObject({ retryInMs: 2000 });
    await vi.advanceTimersByTimeAsync(2000);
    for (let s = 0; s <= 10; s++) {
      latestChild().stdout.write(row(0, s));
      await vi.advanceTimersByTimeAsync(1000);
    }
    latestChild().exit(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses.at(-1)).toMatchObject({ state: "unavailable", retryInMs: 1000 });
  });

  test("stop() terminates the child, waits for it, and does not restart it", async () => {
    start();
    const child = latestChild();
    const stopped = collector?.stop();
    await vi.advanceTimersByTimeAsync(0);
    await stopped;
    expect(child.signals).toEqual(["SIGTERM"]);
    expect(statuses.at(-1)).toEqual({ state: "stopped" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(spawned).toHaveLength(1);
  });

  test("stop() escalates to SIGKILL when the child ignores SIGTERM", async () => {
    start({ killGraceMs: 500 }, () => new FakeChild(new Set(["SIGKILL"])));
    const stopped = collector?.stop();
    await vi.advanceTimersByTimeAsync(499);
    expect(latestChild().signals).toEqual(["SIGTERM"]);
    await vi.advanceTimersByTimeAsync(1);
    await stopped;
    expect(latestChild().signals).toEqual(["SIGTERM", "SIGKILL"]);
  });

  test("stop() gives up waiting for a child that cannot be killed", async () => {
    start({ killGraceMs: 500 }, () => new FakeChild(new Set()));
    let done = false;
    void collector?.stop().then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    expect(latestChild().signals).toEqual(["SIGTERM", "SIGKILL"]);
    expect(spawned).toHaveLength(1);
  });

  test("a consumer that throws does not stop the samples", async () => {
    start({
      onSample: (tick) => {
        samples.push(tick);
        throw new Error("consumer bug");
      },
    });
    latestChild().stdout.write(row(0, 1));
    await vi.advanceTimersByTimeAsync(1000);
    latestChild().stdout.write(row(0, 2));
    await vi.advanceTimersByTimeAsync(1000);
    expect(samples).toHaveLength(2);
  });
});
