import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { TrackedProcess } from "./janitor";

export interface NextAppOptions {
  projectRoot: string;
  port: number;
  /** Extra environment for the app (SWITCHYARD_*, NODE_OPTIONS for profiling). */
  env: Record<string, string>;
  /** Node flags for the server (e.g. --cpu-prof, which NODE_OPTIONS refuses): runs next's CLI under `node` then. */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

export interface NextApp extends TrackedProcess {
  url: string;
  pid: number;
  /** The app's last output lines, for error messages. */
  output(): string;
  exited: Promise<number | null>;
}

const OUTPUT_KEEP = 16 * 1024;

/**
 * The built app as `npm start` runs it, in its own process group (so a stop reaches anything Next forks), with
 * NEXT_MANUAL_SIG_HANDLE so Switchyard drains on SIGTERM as in production. Resolves once /readyz answers 200.
 */
export async function startNextApp(options: NextAppOptions): Promise<NextApp> {
  // The production entry point (`npm start`): Next.js behind scripts/server.ts, which fast-paths the gateway.
  const args = [...(options.nodeArgs ?? []), "--import", "tsx", path.join(options.projectRoot, "scripts", "server.ts"), "--localhost"];
  const command = process.execPath;
  const child = spawn(command, args, {
    cwd: options.projectRoot,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", NEXT_MANUAL_SIG_HANDLE: "true", PORT: String(options.port), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once("error", resolve));
    throw new Error(`could not start next: ${error.message}`);
  }
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_KEEP);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );

  const url = `http://127.0.0.1:${options.port}`;
  const app: NextApp = {
    label: `next start :${options.port}`,
    url,
    pid,
    exited,
    output: () => output,
    kill: () => {
      if (exitCode === undefined) signalGroup(child, "SIGKILL");
    },
    async stop() {
      if (exitCode !== undefined) return exitCode;
      signalGroup(child, "SIGTERM");
      const timer = setTimeout(() => signalGroup(child, "SIGKILL"), 35_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };

  try {
    await waitForReady(url, exited, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    app.kill();
    await exited;
    throw new Error(`${(error as Error).message}\n--- next output ---\n${output.slice(-3000)}`);
  }
  return app;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

async function waitForReady(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((code) => {
    gone = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`next start exited with code ${gone} before it was ready`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`next start did not answer /readyz with 200 within ${timeoutMs} ms`);
}
