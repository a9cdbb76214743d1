import { spawn as spawnProcess } from "node:child_process";
import { callSafely } from "./call-safely";
import { createLineSplitter } from "./line-splitter";
import { buildNvidiaSmiArgs, parseNvidiaSmiRow } from "./nvidia-smi";
import type { Collector, CollectorStatus, GpuSample } from "./types";

/** The part of a ChildProcess the collector uses; `node:child_process` children satisfy it, tests may fake it. */
export interface NvidiaSmiChild {
  readonly pid?: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}

export type SpawnNvidiaSmi = (command: string, args: string[]) => NvidiaSmiChild;

export interface NvidiaSmiCollectorOptions {
  /** Executable to run; a wrapper script in tests. */
  command?: string;
  intervalMs: number;
  /** Called once per tick with one sample per GPU, all stamped with the time the tick arrived. */
  onSample: (samples: GpuSample[]) => void;
  onStatus: (status: CollectorStatus) => void;
  spawn?: SpawnNvidiaSmi;
  now?: () => number;
  /** First restart delay; doubles on each consecutive failure up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A child that has delivered samples for this long counts as healthy: the next failure starts the backoff over. */
  stableAfterMs?: number;
  /** A child silent for this long is presumed hung (a wedged driver) and killed. */
  stallTimeoutMs?: number;
  /** How long SIGTERM may take on stop() before SIGKILL. */
  killGraceMs?: number;
}

const defaultSpawn: SpawnNvidiaSmi = (command, args) =>
  spawnProcess(command, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });

interface Run {
  child: NvidiaSmiChild;
  firstTickAt: number | null;
  /** Last line that was not a data row: nvidia-smi prints its failures ("No devices were found") on stdout. */
  lastMessage: string;
  stderrTail: string;
  killReason: string | null;
  ended: boolean;
  stallTimer: ReturnType<typeof setTimeout> | null;
  /** Detaches and closes the child's pipes once the run is over. */
  closeStreams: () => void;
}

/**
 * Runs ONE long-lived `nvidia-smi --query-gpu ... -lms <interval>` and turns its rows into per-tick samples.
 * When the child cannot start or exits, reports `unavailable` with the reason and starts it again after a backoff
 * (1 s doubling to 30 s by default). Never throws into the caller: every failure becomes a status.
 */
export function createNvidiaSmiCollector(options: NvidiaSmiCollectorOptions): Collector {
  const command = options.command ?? "nvidia-smi";
  const spawn = options.spawn ?? defaultSpawn;
  const now = options.now ?? Date.now;
  const initialBackoffMs = options.initialBackoffMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const stableAfterMs = options.stableAfterMs ?? 30_000;
  const stallTimeoutMs = options.stallTimeoutMs ?? Math.max(10_000, options.intervalMs * 5);
  const killGraceMs = options.killGraceMs ?? 2_000;
  const args = buildNvidiaSmiArgs(options.intervalMs);
  // Rows of one tick arrive together; a short quiet gap ends the tick when we cannot tell from the rows alone.
  const tickSettleMs = Math.min(100, Math.max(5, Math.floor(options.intervalMs / 4)));

  let stopped = false;
  let run: Run | null = null;
  let consecutiveFailures = 0;
  let restartTimer: ReturnType<typeof setTimeout> | null = null;
  let gpusPerTick = 0;
  let pending: GpuSample[] = [];
  let pendingAt = 0;
  let settleTimer: ReturnType<typeof setTimeout> | null = null;
  let lastStatus: CollectorStatus["state"] | null = null;
  const exitWaiters: Array<() => void> = [];

  const report = (status: CollectorStatus) => {
    lastStatus = status.state;
    callSafely(() => options.onStatus(status));
  };

  const flushTick = () => {
    if (settleTimer) clearTimeout(settleTimer);
    settleTimer = null;
    if (pending.length === 0) return;
    const samples = pending.map((sample) => ({ ...sample, at: pendingAt }));
    pending = [];
    gpusPerTick = Math.max(gpusPerTick, samples.length);
    callSafely(() => options.onSample(samples));
  };

  const acceptRow = (sample: GpuSample) => {
    // A GPU index seen again means the previous tick is complete.
    if (pending.some((seen) => seen.index === sample.index)) flushTick();
    if (pending.length === 0) pendingAt = now();
    pending.push(sample);
    if (gpusPerTick > 0 && pending.length >= gpusPerTick) {
      flushTick();
    } else {
      if (settleTimer) clearTimeout(settleTimer);
      settleTimer = setTimeout(flushTick, tickSettleMs);
    }
  };

  const armStallTimer = (current: Run) => {
    if (current.stallTimer) clearTimeout(current.stallTimer);
    current.stallTimer = setTimeout(() => {
      const reason = `no output from ${command} for ${Math.round(stallTimeoutMs / 1000)} s`;
      current.child.kill("SIGKILL");
      // Do not wait for "exit": a process stuck in the driver may never die, and the status must still change.
      endRun(current, reason);
    }, stallTimeoutMs);
  };

  const onLine = (current: Run, line: string) => {
    if (current !== run) return;
    armStallTimer(current);
    const sample = parseNvidiaSmiRow(line);
    if (!sample) {
      if (line.trim() !== "") current.lastMessage = line.trim();
      return;
    }
    if (current.firstTickAt === null) {
      current.firstTickAt = now();
      report({ state: "running" });
    }
    acceptRow(sample);
  };

  const endRun = (current: Run, reason: string) => {
    if (current.ended) return;
    current.ended = true;
    if (current.stallTimer) clearTimeout(current.stallTimer);
    // Rows already received are real measurements even if the tick they belong to was cut short.
    flushTick();
    if (run === current) run = null;
    current.closeStreams();
    for (const resolve of exitWaiters.splice(0)) resolve();
    if (stopped) return;

    const healthy = current.firstTickAt !== null && now() - current.firstTickAt >= stableAfterMs;
    if (healthy) consecutiveFailures = 0;
    const retryInMs = Math.min(maxBackoffMs, initialBackoffMs * 2 ** consecutiveFailures);
    consecutiveFailures += 1;
    report({ state: "unavailable", reason, retryInMs });
    restartTimer = setTimeout(() => {
      restartTimer = null;
      start();
    }, retryInMs);
  };

  const start = () => {
    if (stopped) return;
    let child: NvidiaSmiChild;
    try {
      child = spawn(command, args);
    } catch (error) {
      // Some spawn failures (bad arguments, EACCES on some platforms) throw instead of emitting "error".
      const placeholder = newRun(deadChild);
      run = placeholder;
      endRun(placeholder, describeSpawnError(command, error));
      return;
    }
    const current = newRun(child);
    run = current;
    const splitter = createLineSplitter((line) => onLine(current, line));

    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string | Buffer) => splitter.push(String(chunk)));
    child.stdout?.on("error", () => undefined);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string | Buffer) => {
      current.stderrTail = (current.stderrTail + String(chunk)).slice(-500);
    });
    child.stderr?.on("error", () => undefined);
    current.closeStreams = () => {
      splitter.reset();
      destroyStream(child.stdout);
      destroyStream(child.stderr);
    };

    // `on`, not `once`: a second "error" without a listener would be thrown by the EventEmitter.
    child.on("error", (error) => {
      if (child.pid === undefined) {
        endRun(current, describeSpawnError(command, error));
      } else {
        // The child exists but could not be signalled or similar: make sure it goes; "exit" ends the run.
        current.killReason ??= error.message;
        child.kill("SIGKILL");
      }
    });
    child.once("exit", (code, signal) => endRun(current, describeExit(command, code, signal, current)));
    armStallTimer(current);
  };

  start();

  return {
    stop() {
      if (!stopped) {
        stopped = true;
        if (restartTimer) clearTimeout(restartTimer);
        restartTimer = null;
        if (settleTimer) clearTimeout(settleTimer);
        settleTimer = null;
        pending = [];
        if (lastStatus !== "stopped") report({ state: "stopped" });
      }
      const current = run;
      if (!current || current.ended) return Promise.resolve();
      if (current.stallTimer) clearTimeout(current.stallTimer);
      return new Promise<void>((resolve) => {
        const forceKill = setTimeout(() => current.child.kill("SIGKILL"), killGraceMs);
        // A child stuck in the driver may ignore even SIGKILL for a while; stop() must not hang the shutdown.
        const giveUp = setTimeout(() => endRun(current, "stopped"), killGraceMs * 2);
        exitWaiters.push(() => {
          clearTimeout(forceKill);
          clearTimeout(giveUp);
          resolve();
        });
        current.child.kill("SIGTERM");
      });
    },
  };

  function newRun(child: NvidiaSmiChild): Run {
    return {
      child,
      firstTickAt: null,
      lastMessage: "",
      stderrTail: "",
      killReason: null,
      ended: false,
      stallTimer: null,
      closeStreams: () => undefined,
    };
  }
}

const deadChild: NvidiaSmiChild = {
  stdout: null,
  stderr: null,
  kill: () => false,
  once: () => undefined,
  on: () => undefined,
};

function describeSpawnError(command: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") return `${command} not found (ENOENT): is the NVIDIA driver installed?`;
  if (code === "EACCES") return `${command} is not executable (EACCES)`;
  return `${command} could not be started: ${error instanceof Error ? error.message : String(error)}`;
}

function describeExit(
  command: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  run: { killReason: string | null; lastMessage: string; stderrTail: string },
): string {
  if (run.killReason) return run.killReason;
  const how = signal ? `was killed by ${signal}` : `exited with code ${code ?? "?"}`;
  const said = lastLine(run.stderrTail) || run.lastMessage;
  return said ? `${command} ${how}: ${said}` : `${command} ${how}`;
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  return lines.filter(Boolean).pop() ?? "";
}

function destroyStream(stream: NodeJS.ReadableStream | null): void {
  const destroyable = stream as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
  destroyable?.destroy?.();
}

