import { z } from "zod";
import { isProfileName, PROFILE_ALIASES, PROFILE_NAMES } from "./profiles";

/**
 * Fault knobs. `null` (or `false`, `0`) means "off". They are set at start (CLI flags) and merged at run time by
 * `POST /_sim/faults`, so every field of a patch is optional and an empty patch changes nothing.
 */
const faultFields = {
  /** The whole process exits with code 1 once any request has streamed this many tokens (an engine crash). */
  crashAfterTokens: z.int().nonnegative().nullable(),
  /** Only the request's socket is destroyed once it has streamed this many tokens. */
  dropConnectionAfterTokens: z.int().nonnegative().nullable(),
  /** Generation requests are accepted and never answered (not even headers) until the client goes away. */
  hangBeforeFirstToken: z.boolean(),
  /** The next N generation requests get a 500 with vLLM's error envelope. */
  error500: z.int().nonnegative(),
  /** After the load time, print a CUDA out-of-memory line on stderr and exit 1 without listening. */
  failAtLoad: z.boolean(),
  /** Extra load time on top of `loadMs`. */
  slowLoadMs: z.int().nonnegative(),
  /** Fixed delay between tokens that overrides the capacity model (even with `zeroLatency`). */
  tokenDelayMs: z.number().nonnegative().nullable(),
  /** Extra delay before the first token. */
  ttftDelayMs: z.number().nonnegative(),
  /** Memory (MiB per GPU) a sleep leaves behind on top of the normal residue: a sleep that frees too little. */
  sleepLeavesMiB: z.int().nonnegative(),
  /** The next `/wake_up` fails with a CUDA out-of-memory error and leaves the engine asleep and unusable. */
  failWake: z.boolean(),
} as const;

export const SimFaults = z
  .object({
    crashAfterTokens: faultFields.crashAfterTokens.default(null),
    dropConnectionAfterTokens: faultFields.dropConnectionAfterTokens.default(null),
    hangBeforeFirstToken: faultFields.hangBeforeFirstToken.default(false),
    error500: faultFields.error500.default(0),
    failAtLoad: faultFields.failAtLoad.default(false),
    slowLoadMs: faultFields.slowLoadMs.default(0),
    tokenDelayMs: faultFields.tokenDelayMs.default(null),
    ttftDelayMs: faultFields.ttftDelayMs.default(0),
    sleepLeavesMiB: faultFields.sleepLeavesMiB.default(0),
    failWake: faultFields.failWake.default(false),
  })
  .strict();
export type SimFaults = z.output<typeof SimFaults>;

/** Body of `POST /_sim/faults`: a partial update merged into the current faults. */
export const SimFaultsPatch = z
  .object({
    crashAfterTokens: faultFields.crashAfterTokens.optional(),
    dropConnectionAfterTokens: faultFields.dropConnectionAfterTokens.optional(),
    hangBeforeFirstToken: faultFields.hangBeforeFirstToken.optional(),
    error500: faultFields.error500.optional(),
    failAtLoad: faultFields.failAtLoad.optional(),
    slowLoadMs: faultFields.slowLoadMs.optional(),
    tokenDelayMs: faultFields.tokenDelayMs.optional(),
    ttftDelayMs: faultFields.ttftDelayMs.optional(),
    sleepLeavesMiB: faultFields.sleepLeavesMiB.optional(),
    failWake: faultFields.failWake.optional(),
  })
  .strict();
export type SimFaultsPatch = z.input<typeof SimFaultsPatch>;

export const SimulatorOptions = z
  .object({
    /** 0 = let the OS pick (in-process) or let `spawnSimulator` pick a free one before spawning. */
    port: z.int().min(0).max(65535).default(0),
    host: z.string().min(1).default("127.0.0.1"),
    /** The name `/v1/models` reports and requests must use (vLLM's `--served-model-name`). */
    servedModel: z.string().min(1).default("qwen2.5-7b-instruct"),
    /** The Hugging Face id (vLLM's `--model`); defaults to the served name. */
    root: z.string().min(1).optional(),
    maxModelLen: z.int().positive().default(32768),
    kind: z.enum(["chat", "embedding"]).default("chat"),
    embeddingDim: z.int().positive().default(384),
    maxNumSeqs: z.int().positive().default(32),
    /** Time before the server starts listening; connections are refused meanwhile, as with vLLM. */
    loadMs: z.int().nonnegative().default(0),
    ttftMs: z.number().nonnegative().default(40),
    prefillTokensPerSecond: z.number().positive().default(8000),
    /** Per sequence at batch size 1. */
    tokensPerSecond: z.number().positive().default(60),
    /** Fractional slowdown of prefill and decode per extra running sequence. */
    batchSlowdown: z.number().nonnegative().default(0.02),
    /** No delays at all (benchmarks); fault delays still apply. */
    zeroLatency: z.boolean().default(false),
    /** KV-cache capacity in tokens, the denominator of `vllm:kv_cache_usage_perc`. */
    kvCacheTokens: z.int().positive().default(131072),
    enableAutoToolChoice: z.boolean().default(true),
    /** The vLLM release whose response shapes to reproduce (`profiles.ts`): "0.9" ... "0.21", or "2026"/"latest". */
    vllmVersion: z
      .string()
      .refine((name) => isProfileName(PROFILE_ALIASES[name] ?? name), {
        message: `unknown vLLM profile; one of ${[...PROFILE_NAMES, ...Object.keys(PROFILE_ALIASES)].join(", ")}`,
      })
      .optional(),
    /** What `/version` reports; defaults to the profile's version (and picks the profile when vllmVersion is absent). */
    version: z.string().min(1).optional(),
    /** The model thinks and vLLM runs with a reasoning parser: answers carry reasoning before the content. */
    reasoning: z.boolean().default(false),
    /** vLLM's `--enable-sleep-mode`: weights and KV cache live in a pool that `/sleep` can release (sleep.ts). */
    enableSleepMode: z.boolean().default(false),
    /** vLLM's env `VLLM_SERVER_DEV_MODE=1`: registers `/sleep`, `/wake_up`, `/is_sleeping`, `/collective_rpc` (else they are 404). */
    serverDevMode: z.boolean().default(false),
    /** GPUs the engine spans (`--tensor-parallel-size`); each holds `memoryMiB`. */
    tensorParallelSize: z.int().positive().default(1),
    /** Memory held on each GPU once loaded (weights + KV cache + CUDA context); what the simulated GPUs show. */
    memoryMiB: z.int().positive().default(20_000),
    /** The model's weights in MiB, all GPUs together; default 70 % of the memory held (a 7B FP16 on one 3090). */
    weightsMiB: z.int().positive().optional(),
    /** Memory each GPU keeps while asleep (CUDA context, NCCL buffers); default 480 MiB at TP=1, 2450 MiB above. */
    sleepResidueMiB: z.int().nonnegative().optional(),
    /** Copy speed between host RAM and each GPU: the level-1 sleep (offload) and wake (reload) time per weight. */
    hostToGpuMiBps: z.number().positive().default(6000),
    /** Read speed of the weights from disk, shared by all GPUs: `reload_weights`, the slow part of a level-2 wake. */
    diskMiBps: z.number().positive().default(2000),
    /**
     * vLLM's `--gpu-memory-utilization`. With `gpuFreeMiB` known the engine refuses to start when less than this share
     * of `gpuTotalMiB` is free, as vLLM does (gpu-memory.ts); without it, `cache_config_info` shows 0.9.
     */
    gpuMemoryUtilization: z.number().gt(0).lte(1).optional(),
    /** Each GPU's total memory (a 3090's 24 GiB by default). */
    gpuTotalMiB: z.int().positive().default(24_576),
    /** Free memory on the engine's GPUs at start (the least among them, others' allocations only); the spawner updates it over stdin. */
    gpuFreeMiB: z.number().nonnegative().optional(),
    faults: SimFaults.prefault({}),
  })
  .strict()
  .transform((options) => ({ ...options, root: options.root ?? options.servedModel }));

export type SimulatorOptions = z.output<typeof SimulatorOptions>;
export type SimulatorOptionsInput = z.input<typeof SimulatorOptions>;

export function parseSimulatorOptions(input: SimulatorOptionsInput = {}): SimulatorOptions {
  return SimulatorOptions.parse(input);
}

export function mergeFaults(current: SimFaults, patch: z.output<typeof SimFaultsPatch>): SimFaults {
  const next: SimFaults = { ...current };
  for (const [key, value] of Object.entries(patch) as [keyof SimFaults, unknown][]) {
    if (value !== undefined) (next as Record<keyof SimFaults, unknown>)[key] = value;
  }
  return next;
}
