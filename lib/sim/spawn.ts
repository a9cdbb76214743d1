import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { toSimulatorArgs } from "./cli-args";
import { SimFaults, type SimFaultsPatch, type SimulatorOptionsInput } from "./options";
import { pickFreePort } from "./ports";
import { SimState } from "./state";

/**
 * Runs the simulator CLI (`scripts/sim.ts`) as a child process: what the gateway's simulated runtime and
 * the integration tests use, so the simulator is a real separate process on a real port.
 */

export interface SpawnSimulatorConfig {
  /** Resolve only once the child listens (default true). */
  waitReady?: boolean;
  /** Timeout for `waitReady` (default 30 s, plus the configured load time). */
  readyTimeoutMs?: number;
  /** Project root holding `scripts/sim.ts` and `node_modules/tsx` (default: found from this file). */
  projectRoot?: string;
  /** Copy the child's stderr lines here (default: kept in memory only, see `stderr()`). */
  onStderrLine?: (line: string) => void;
  /**
   * Pass `--exit-with-parent` (default true): the child exits as soon as its stdin pipe closes, so it dies with
   * this process even when this process is SIGKILLed and no exit hook runs.
   */
  exitWithParent?: boolean;
}

export interface SimulatorProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Resolves when the child printed its listening line; rejects if it exits first or on timeout. */
  waitUntilListening(timeoutMs?: number): Promise<void>;
  state(): Promise<SimState>;
  setFaults(faults: SimFaultsPatch): Promise<SimFaults>;
  kill(signal?: NodeJS.Signals): boolean;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
  /** Resolves with the exit code once the child exited. */
  exited: Promise<number | null>;
  /** The last stderr output (up to 64 KiB): log lines, and the CUDA OOM error of `failAtLoad`. */
  stderr(): string;
  /** Writes to the child's stdin, the spawner's channel (lib/sim/gpu-memory.ts); nothing once it has exited. */
  send(line: string): void;
}

const STDERR_KEEP = 64 * 1024;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function spawnSimulator(
  options: SimulatorOptionsInput = {},
  config: SpawnSimulatorConfig = {},
): Promise<SimulatorProcess> {
  const root = config.projectRoot ?? findProjectRoot();
  const host = options.host ?? "127.0.0.1";
  const port = options.port && options.port !== 0 ? options.port : await pickFreePort(host);
  // The dev-mode routes are switched on as with vLLM: by the environment, not a flag.
  const { serverDevMode, ...flagOptions } = options;
  const args = toSimulatorArgs({ ...flagOptions, port });
  if (config.exitWithParent ?? true) args.push("--exit-with-parent");
  // stdin stays a pipe whose write end only this process holds: its closing is the child's "parent died" signal.
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts", "sim.ts"), ...args], {
    cwd: root,
    stdio: ["pipe", "pipe", "pipe"],
    // Not configuration read here: the child inherits our environment, plus the variable vLLM reads for dev mode.
    // eslint-disable-next-line no-restricted-properties
    ...(serverDevMode !== undefined ? { env: { ...process.env, VLLM_SERVER_DEV_MODE: serverDevMode ? "1" : "0" } } : {}),
  });
  if (child.pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once("error", resolve));
    throw new Error(`could not start the simulator: ${error.message}`);
  }
  track(child);
  // A write that races the child's exit fails with EPIPE: the child is gone, nothing to tell it.
  child.stdin?.on("error", () => {});

  let stderrText = "";
  readline.createInterface({ input: child.stderr }).on("line", (line) => {
    stderrText = (stderrText + line + "\n").slice(-STDERR_KEEP);
    config.onStderrLine?.(line);
  });

  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );

  const listening = new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const event = parseListening(line);
      if (event === null) return;
      if (event !== port) reject(new Error(`simulator listens on ${event}, expected ${port}`));
      else resolve();
    });
    void exited.then((code) =>
      reject(new Error(`simulator exited with code ${code} before listening\n${stderrText.slice(-2000)}`)),
    );
  });
  listening.catch(() => {}); // observed through waitUntilListening

  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  const proc: SimulatorProcess = {
    url,
    port,
    pid: child.pid,
    child,
    exited,
    waitUntilListening(timeoutMs = 30_000) {
      return withTimeout(listening, timeoutMs, `simulator did not listen within ${timeoutMs} ms`);
    },
    async state() {
      const res = await fetch(`${url}/_sim/state`);
      if (!res.ok) throw new Error(`/_sim/state answered ${res.status}`);
      return SimState.parse(await res.json());
    },
    async setFaults(faults) {
      const res = await fetch(`${url}/_sim/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(faults),
      });
      if (!res.ok) throw new Error(`/_sim/faults answered ${res.status}: ${await res.text()}`);
      return SimFaults.parse(await res.json());
    },
    kill(signal = "SIGTERM") {
      return exitCode === undefined && child.kill(signal);
    },
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    stderr: () => stderrText,
    send(line) {
      if (exitCode === undefined && child.stdin?.writable) child.stdin.write(line);
    },
  };

  if (config.waitReady ?? true) {
    const loadMs = (options.loadMs ?? 0) + (options.faults?.slowLoadMs ?? 0);
    try {
      await proc.waitUntilListening((config.readyTimeoutMs ?? 30_000) + loadMs);
    } catch (err) {
      if (exitCode === undefined) child.kill("SIGKILL");
      throw err;
    }
  }
  return proc;
}

function parseListening(line: string): number | null {
  if (!line.startsWith("{")) return null;
  try {
    const event = JSON.parse(line) as { event?: unknown; port?: unknown };
    return event.event === "listening" && typeof event.port === "number" ? event.port : null;
  } catch {
    return null;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Children die with us: a test runner that exits must not leave simulators behind. */
function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of live) c.kill("SIGKILL");
  });
}

/** The folder with `scripts/sim.ts`, walking up from this file (works from lib/sim/ and from a bundle). */
function findProjectRoot(): string {
  const starts = [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    let dir = start;
    for (;;) {
      if (existsSync(path.join(dir, "scripts", "sim.ts")) && existsSync(path.join(dir, "package.json"))) return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error("cannot find the project root (scripts/sim.ts)");
}
