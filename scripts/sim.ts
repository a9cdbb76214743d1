/**
 * The vLLM simulator CLI: `npm run sim -- --model qwen2.5-7b-instruct --port 8001 --load-ms 3000`.
 * Prints `{"event":"listening","port":N}` on stdout when it listens; logs are JSON lines on stderr.
 * SIGTERM/SIGINT end open streams and exit 0 (it may run as PID 1 in a container).
 */
import readline from "node:readline";
import { CliArgsError, parseSimulatorArgs, serverDevModeFromEnv, simulatorHelp } from "../lib/sim/cli-args";
import { parseGpuFreeLine } from "../lib/sim/gpu-memory";
import { SimLoadError, Simulator } from "../lib/sim/server";

function log(entry: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

async function main(): Promise<void> {
  // Once the parent is gone stdout/stderr are broken pipes (EPIPE): a lost log line must not turn a clean stop
  // into a crash.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  let parsed: ReturnType<typeof parseSimulatorArgs>;
  try {
    parsed = parseSimulatorArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof CliArgsError)) throw err;
    process.stderr.write(`${err.message}\n\n${simulatorHelp()}\n`);
    process.exit(2);
  }
  if (parsed.control.help) {
    process.stdout.write(`${simulatorHelp()}\n`);
    return;
  }

  // Like vLLM, the dev-mode routes follow the environment unless a flag says otherwise.
  const options = { ...parsed.options, serverDevMode: parsed.options.serverDevMode ?? serverDevModeFromEnv(process.env.VLLM_SERVER_DEV_MODE) };
  const simulator = new Simulator(options, {
    log,
    onCrash: () => {
      process.stderr.write("ERROR [core.py:745] EngineCore encountered a fatal error.\n");
      process.exit(1);
    },
  });

  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log({ event: "stopping", reason });
    // Never outlive the grace period, whatever the open connections do.
    setTimeout(() => process.exit(0), 1000).unref();
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  if (parsed.control.exitWithParent) {
    // The parent holds the write end of our stdin pipe; EOF means it is gone (exited, crashed or SIGKILLed).
    process.stdin.on("end", () => stop("stdin closed"));
    process.stdin.on("close", () => stop("stdin closed"));
    process.stdin.on("error", () => stop("stdin error"));
    // The spawner also tells us, line by line, how much our GPUs have free (lib/sim/gpu-memory.ts).
    readline.createInterface({ input: process.stdin }).on("line", (line) => {
      const freeMiB = parseGpuFreeLine(line);
      if (freeMiB !== null) simulator.setGpuFreeMiB(freeMiB);
    });
    process.stdin.resume();
  }

  try {
    const port = await simulator.listen();
    process.stdout.write(`${JSON.stringify({ event: "listening", port })}\n`);
  } catch (err) {
    if (stopping) return;
    if (err instanceof SimLoadError) {
      for (const line of err.lines) process.stderr.write(`${line}\n`);
      process.exit(1);
    }
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
