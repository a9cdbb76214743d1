import { parseArgs } from "node:util";
import type { SimFaultsPatch, SimulatorOptionsInput } from "./options";

/**
 * The simulator CLI's flags: kebab-case of the option names (`--max-num-seqs 2`, `--zero-latency`,
 * `--crash-after-tokens 5`), shared by the CLI (parse) and `spawnSimulator` (build), so they cannot drift.
 */

type OptionKey = Exclude<keyof SimulatorOptionsInput, "faults">;
type FaultKey = keyof SimFaultsPatch;
type FlagKind = "string" | "number" | "boolean";

interface FlagSpec {
  flag: string;
  kind: FlagKind;
  target: { option: OptionKey } | { fault: FaultKey };
  help: string;
  aliases?: string[];
}

const option = (key: OptionKey, kind: FlagKind, help: string, aliases?: string[]): FlagSpec => ({
  flag: kebab(key),
  kind,
  target: { option: key },
  help,
  aliases,
});
const fault = (key: FaultKey, kind: FlagKind, help: string, aliases?: string[]): FlagSpec => ({
  flag: kebab(key),
  kind,
  target: { fault: key },
  help,
  aliases,
});

export const FLAGS: readonly FlagSpec[] = [
  option("port", "number", "port to listen on; 0 picks a free one (default 0)"),
  option("host", "string", "address to bind (default 127.0.0.1)"),
  option("servedModel", "string", "served model name (default qwen2.5-7b-instruct)", ["model", "served-model-name"]),
  option("root", "string", "Hugging Face id shown as `root` (default: the served name)"),
  option("maxModelLen", "number", "context length (default 32768)"),
  option("kind", "string", "chat | embedding (default chat)"),
  option("embeddingDim", "number", "embedding size (default 384)"),
  option("maxNumSeqs", "number", "concurrent sequences (default 32)"),
  option("loadMs", "number", "time before listening; connections are refused meanwhile (default 0)"),
  option("ttftMs", "number", "base time to first token (default 40)"),
  option("prefillTokensPerSecond", "number", "prompt processing speed (default 8000)"),
  option("tokensPerSecond", "number", "decode speed per sequence at batch size 1 (default 60)"),
  option("batchSlowdown", "number", "fractional slowdown per extra running sequence (default 0.02)"),
  option("zeroLatency", "boolean", "no delays at all (benchmarks)"),
  option("kvCacheTokens", "number", "KV-cache capacity in tokens (default 131072)"),
  option("enableAutoToolChoice", "boolean", "accept tool_choice auto (default true; --no-enable-auto-tool-choice)"),
  option("vllmVersion", "string", "response shapes of this vLLM release: 0.9, 0.11, 0.13, 0.16, 0.20, 0.21 (= 2026, latest; default)"),
  option("version", "string", "vLLM version /version reports (default: the profile's)"),
  option("reasoning", "boolean", "answer with reasoning before the content, as with --reasoning-parser"),
  option("enableSleepMode", "boolean", "allocate weights and KV cache so /sleep can release them (vLLM's flag)"),
  option("serverDevMode", "boolean", "register /sleep, /wake_up, /is_sleeping, /collective_rpc (default: env VLLM_SERVER_DEV_MODE, as vLLM)"),
  option("tensorParallelSize", "number", "GPUs the engine spans (default 1)"),
  option("memoryMiB", "number", "memory held per GPU when awake (default 20000)"),
  option("weightsMiB", "number", "model weights, all GPUs together (default 70% of the memory held)"),
  option("sleepResidueMiB", "number", "memory per GPU kept while asleep (default 480 at TP=1, 2450 above)"),
  option("hostToGpuMiBps", "number", "host<->GPU copy speed per GPU: level-1 sleep and wake time (default 6000)"),
  option("diskMiBps", "number", "disk read speed: the reload_weights of a level-2 wake (default 2000)"),
  option("gpuMemoryUtilization", "number", "vLLM's share of each GPU: with --gpu-free-mib, refuse to start below it, as vLLM"),
  option("gpuTotalMiB", "number", "each GPU's total memory (default 24576)"),
  option("gpuFreeMiB", "number", "free memory on the engine's GPUs at start, others' only; updated by stdin lines"),
  fault("crashAfterTokens", "number", "exit 1 once a request has streamed N tokens"),
  fault("dropConnectionAfterTokens", "number", "destroy a request's socket after N tokens"),
  fault("hangBeforeFirstToken", "boolean", "never answer generation requests"),
  fault("error500", "number", "answer the next N inference requests with a 500", ["error500"]),
  fault("failAtLoad", "boolean", "print a CUDA out-of-memory error after loading and exit 1"),
  fault("slowLoadMs", "number", "extra load time"),
  fault("tokenDelayMs", "number", "fixed delay between tokens"),
  fault("ttftDelayMs", "number", "extra delay before the first token"),
  fault("sleepLeavesMiB", "number", "a sleep leaves this much memory per GPU behind"),
  fault("failWake", "boolean", "the next /wake_up fails (CUDA OOM) and the engine stays asleep and unusable"),
];

/** Flags that are not options: the CLI's own behaviour. */
export interface CliControl {
  help: boolean;
  /**
   * `--exit-with-parent`: exit (as on SIGTERM) as soon as stdin closes. The spawning process holds the other end
   * of the pipe, so its death, even by SIGKILL, closes it: a simulator never outlives the Switchyard that started it.
   */
  exitWithParent: boolean;
}

export class CliArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliArgsError";
  }
}

/** Parsed by node:util's parseArgs (strict: unknown flags and missing values are errors; `--no-<flag>` negates). */
export function parseSimulatorArgs(argv: readonly string[]): { options: SimulatorOptionsInput; control: CliControl } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: PARSE_OPTIONS, strict: true, allowPositionals: false, allowNegative: true });
  } catch (error) {
    throw new CliArgsError(cliMessage(error as Error & { code?: string }));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const options: Record<string, unknown> = {};
  const faults: Record<string, unknown> = {};
  for (const spec of FLAGS) {
    const name = [spec.flag, ...(spec.aliases ?? [])].find((n) => values[n] !== undefined);
    if (name === undefined) continue;
    const raw = values[name]!;
    const value = spec.kind === "number" ? parseNumber(String(raw), name) : raw;
    if ("option" in spec.target) options[spec.target.option] = value;
    else faults[spec.target.fault] = value;
  }
  if (Object.keys(faults).length > 0) options.faults = faults;
  // `--exit-on-stdin-close` is the flag's first name, kept for command lines written with it.
  const control: CliControl = { help: values.help === true, exitWithParent: values["exit-with-parent"] === true || values["exit-on-stdin-close"] === true };
  return { options: options as SimulatorOptionsInput, control };
}

const PARSE_OPTIONS: Record<string, { type: "string" | "boolean"; short?: string }> = Object.fromEntries([
  ...FLAGS.flatMap((spec) => [spec.flag, ...(spec.aliases ?? [])].map((name) => [name, { type: spec.kind === "boolean" ? "boolean" : "string" }] as const)),
  ["help", { type: "boolean", short: "h" }],
  ["exit-with-parent", { type: "boolean" }],
  ["exit-on-stdin-close", { type: "boolean" }],
]);

function cliMessage(error: Error & { code?: string }): string {
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && /argument missing/.test(error.message)) {
    return error.message.replace(/^Option '(--[^ ']+).*$/s, "$1 needs a value");
  }
  return error.message;
}

/** The flags that reproduce `options` (only the fields that are set). */
export function toSimulatorArgs(options: SimulatorOptionsInput): string[] {
  const args: string[] = [];
  const push = (spec: FlagSpec, value: unknown) => {
    if (value === undefined || value === null) return;
    if (spec.kind === "boolean") args.push(value ? `--${spec.flag}` : `--no-${spec.flag}`);
    else args.push(`--${spec.flag}`, String(value));
  };
  for (const spec of FLAGS) {
    if ("option" in spec.target) push(spec, options[spec.target.option]);
    else push(spec, options.faults?.[spec.target.fault]);
  }
  return args;
}

export function simulatorHelp(): string {
  const lines = FLAGS.map((spec) => {
    const name = `--${spec.flag}${spec.kind === "boolean" ? "" : ` <${spec.kind}>`}`;
    const aliases = spec.aliases ? ` (also ${spec.aliases.map((a) => `--${a}`).join(", ")})` : "";
    return `  ${name.padEnd(38)} ${spec.help}${aliases}`;
  });
  return [
    "Usage: npm run sim -- [flags]",
    "",
    "A vLLM OpenAI-server simulator. Prints {\"event\":\"listening\",\"port\":N} on stdout once it listens.",
    "",
    ...lines,
    `  ${"--exit-with-parent".padEnd(38)} exit as soon as stdin closes, i.e. when the spawning process dies (spawnSimulator passes it)`,
    `  ${"--help".padEnd(38)} this text`,
  ].join("\n");
}

function kebab(key: string): string {
  // "MiB" is one unit: memoryMiB -> memory-mib, hostToGpuMiBps -> host-to-gpu-mibps.
  return key.replace(/MiB/g, "Mib").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/([a-z])(\d)/g, "$1-$2");
}

/** vLLM's `VLLM_SERVER_DEV_MODE`: `bool(int(value))`, so "1" (any non-zero integer) is on, unset or "0" off. */
export function serverDevModeFromEnv(raw: string | undefined): boolean {
  const value = raw?.trim();
  return value !== undefined && /^[+-]?\d+$/.test(value) && Number(value) !== 0;
}

function parseNumber(text: string, name: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new CliArgsError(`--${name} expects a number, got "${text}"`);
  return value;
}
