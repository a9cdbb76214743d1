import { z } from "zod";
import { energyPriceSchema } from "./energy-price";
import { alertsSchema } from "@/lib/alerts/config";
import { auditSchema } from "@/lib/audit/config";

/**
 * The lab config file (README, "Configuration"). Everything declarative lives here; the database holds state and history.
 * Cross-references (modes -> backends, routes -> backends, auto -> routes) are checked in `labConfigSchema`.
 */

const backendIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, "backend ids use letters, digits, '.', '_' and '-'");

/** Knobs for the simulated runtime only: how the stand-in vLLM behaves. */
export const simulatedBackendSchema = z
  .object({
    loadMs: z.int().nonnegative().default(1500),
    ttftMs: z.int().nonnegative().default(60),
    tokensPerSecond: z.number().positive().default(40),
    maxNumSeqs: z.int().positive().default(32),
    /** Memory the model holds on each of its GPUs once loaded. */
    memoryMiB: z.int().nonnegative().default(20_000),
    /** The vLLM release whose field names and shapes the simulator answers with (lib/sim/profiles.ts); default the newest. */
    vllmVersion: z.string().min(1).optional(),
    /** The model thinks first (reasoning text in the release's field), like a reasoning model. */
    reasoning: z.boolean().optional(),
    /** Sleep mode (lib/sim/README.md): the weights, all GPUs together; their size sets the wake time. Default 70 % of the memory held. */
    weightsMiB: z.int().positive().optional(),
    /** Memory each GPU keeps while the engine sleeps; default 480 MiB on one GPU, 2450 MiB per GPU with tensor parallelism. */
    sleepResidueMiB: z.int().nonnegative().optional(),
    /** Host RAM <-> GPU copy speed per GPU: a level-1 sleep and wake take weights per GPU / this. Default 6000. */
    hostToGpuMiBps: z.number().positive().optional(),
    /** Disk read speed: a level-2 wake reloads the weights at this speed. Default 2000. */
    diskMiBps: z.number().positive().optional(),
    /** Fault: a sleep leaves this much memory (MiB per GPU) behind, as a vLLM regression did. */
    sleepLeavesMiB: z.int().nonnegative().optional(),
    /** Fault: the first wake fails (CUDA out of memory) and the engine stays asleep and unusable until restarted. */
    failWake: z.boolean().optional(),
  })
  .strict();

export const backendSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: "url must be an http(s) URL such as http://127.0.0.1:8001" }),
    /** Container name; absent = an external backend Switchyard routes to but cannot start or stop. */
    container: z.string().min(1).optional(),
    servedModel: z.string().min(1),
    kind: z.enum(["chat", "embedding"]).default("chat"),
    gpus: z.array(z.int().nonnegative()).default([]),
    maxConcurrency: z.int().positive().default(32),
    maxQueue: z.int().nonnegative().default(64),
    /** Slots batch-lane requests may hold; default: maxConcurrency less a quarter kept for interactive requests. */
    batchMaxConcurrency: z.int().positive().optional(),
    /** Batch-lane requests that may wait; default: half of maxQueue. */
    batchMaxQueue: z.int().nonnegative().optional(),
    maxModelLen: z.int().positive().optional(),
    watchdog: z.boolean().default(true),
    /** Put to sleep instead of stopped when its mode is left; needs vLLM's --enable-sleep-mode and VLLM_SERVER_DEV_MODE=1. */
    sleep: z.object({ level: z.union([z.literal(1), z.literal(2)]) }).strict().optional(),
    /**
     * The `--gpu-memory-utilization` the engine runs with (the same value): before it starts or wakes, each of its GPUs
     * must have that share of the card free (lib/lab/gpu-memory-need.ts). Absent: `lab.memoryReleasedBelowMiB` applies.
     */
    gpuMemoryUtilization: z.number().gt(0, "gpuMemoryUtilization is a share of the card: above 0, at most 1").lte(1, "gpuMemoryUtilization is a share of the card: above 0, at most 1").optional(),
    sim: simulatedBackendSchema.optional(),
  })
  .strict();

export const modeSchema = z
  .object({
    backends: z.array(backendIdSchema).min(1, "a mode needs at least one backend"),
    default: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();

export const autoRouteSchema = z
  .object({
    auto: z
      .object({
        /** Route used for quick answers. */
        fast: z.string().min(1),
        /** Route used for long prompts, tools and high reasoning effort. */
        deep: z.string().min(1),
        /** Estimated prompt tokens (about 4 characters each) from which a request counts as long. */
        longPromptTokens: z.int().positive().default(3000),
        /** Waiting requests on the preferred side from which a request without a firm reason spills to the other. */
        spillQueueDepth: z.int().positive().default(8),
      })
      .strict(),
  })
  .strict();

export const routeSchema = z.union([z.array(backendIdSchema).min(1, "a route needs at least one candidate"), autoRouteSchema]);

/** Rules that make every client work unchanged against the lab; each can be turned off, and a row records which acted. */
export const compatSchema = z
  .object({
    /** Origins allowed to call /v1 from a browser (CORS). ["*"], like vLLM: any origin, no credentials; [] turns CORS off. Never on /api. */
    corsOrigins: z.array(z.string().min(1)).default(["*"]),
    /** `auto` and fallbacks choose among backends whose maxModelLen fits the prompt (counted by a backend's /tokenize when near a limit). */
    contextFit: z.boolean().default(true),
    /** A max_tokens (or max_completion_tokens) larger than what fits the context is lowered to fit, instead of vLLM's 400. */
    clampMaxTokens: z.boolean().default(true),
    /** Reasoning text is offered under both `reasoning` and `reasoning_content` when the backend sends only one. */
    reasoningFields: z.boolean().default(true),
    /** The model a request without `model` gets (vLLM serves its one model then); null: such a request is a 400. */
    defaultModel: z.string().min(1).nullable().default(null),
  })
  .strict()
  .default({ corsOrigins: ["*"], contextFit: true, clampMaxTokens: true, reasoningFields: true, defaultModel: null });

/**
 * Visible progress for streaming chat clients that wait for a switch or a load (lib/gateway/loading-progress.ts): chunks
 * whose reasoning text says what loads and how long it should take. Off unless a route or key is listed.
 */
export const loadingProgressSchema = z
  .object({
    /** Model names as clients send them (a route such as `deep`, an alias, a served model name); "*" for every model. */
    routes: z.array(z.string().min(1)).default([]),
    /** API key names whose requests get it; "*" for every caller (with `auth: open` too). */
    keys: z.array(z.string().min(1)).default([]),
    /** A progress update this often while the request waits. */
    intervalSeconds: z.number().min(0.5).default(5),
  })
  .strict()
  .default({ routes: [], keys: [], intervalSeconds: 5 });

export const gatewaySchema = z
  .object({
    /** Largest request body accepted, in bytes. */
    maxBodyBytes: z.int().positive().default(8 * 1024 * 1024),
    /** Seconds a client is told to wait (Retry-After) when a backend is unavailable. */
    retryAfterSeconds: z.int().positive().default(5),
    /** How long a request for a model that a running mode switch or restart will bring back may wait for it. */
    operationWaitSeconds: z.int().positive().default(180),
    /** Interval of SSE comment keep-alives sent to a streaming client while it waits. */
    keepAliveSeconds: z.number().positive().default(10),
    /** A stream with no first token by then gets 504 (or an error event if headers went out); long prefills need room. */
    firstTokenTimeoutSeconds: z.number().positive().default(120),
    /** A stream silent this long between two chunks is cut with an error event. There is no total limit on streams. */
    idleTimeoutSeconds: z.number().positive().default(60),
    /** A non-streamed request gets its whole answer within this, or 504. */
    responseTimeoutSeconds: z.number().positive().default(600),
    /** Connection failures, 502/503/504s or timeouts in a row that mark a backend unhealthy until a probe passes. */
    passiveFailureThreshold: z.int().positive().default(3),
    /** How long a request may wait in a backend's admission queue before it gets 503 + Retry-After. */
    queueTimeoutSeconds: z.number().positive().default(30),
    compat: compatSchema,
    loadingProgress: loadingProgressSchema,
  })
  .strict()
  .default({
    maxBodyBytes: 8 * 1024 * 1024,
    retryAfterSeconds: 5,
    operationWaitSeconds: 180,
    keepAliveSeconds: 10,
    firstTokenTimeoutSeconds: 120,
    idleTimeoutSeconds: 60,
    responseTimeoutSeconds: 600,
    passiveFailureThreshold: 3,
    queueTimeoutSeconds: 30,
    compat: { corsOrigins: ["*"], contextFit: true, clampMaxTokens: true, reasoningFields: true, defaultModel: null },
    loadingProgress: { routes: [], keys: [], intervalSeconds: 5 },
  });

export const requestLogSchema = z
  .object({
    retentionDays: z.int().positive().default(30),
    retentionRows: z.int().positive().default(2_000_000),
    flushIntervalMs: z.int().positive().default(100),
    maxQueue: z.int().positive().default(10_000),
    /** Store request bodies and generated text for every request (off: only for API keys that ask for it). */
    captureBodies: z.boolean().default(false),
    /** Captured bodies are cut at this many bytes each. */
    captureMaxBytes: z.int().positive().max(1_048_576).default(16_384),
    /** Captured bodies are kept this long (at most as long as their rows). */
    bodyRetentionDays: z.int().positive().default(7),
    /** Per-minute usage rollups are kept this long: they are small and feed the usage views. */
    rollupRetentionDays: z.int().positive().default(400),
  })
  .strict()
  .default({
    retentionDays: 30,
    retentionRows: 2_000_000,
    flushIntervalMs: 100,
    maxQueue: 10_000,
    captureBodies: false,
    captureMaxBytes: 16_384,
    bodyRetentionDays: 7,
    rollupRetentionDays: 400,
  });

/**
 * On-demand switching (lib/lab/on-demand.ts): a request for a model only another mode serves switches the lab when
 * the policy allows, and an idle lab returns to its default mode. Off by default.
 */
export const onDemandSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** The current mode must have served no request for this long. */
    idleSeconds: z.number().nonnegative().default(60),
    /** At least this long between the end of one mode switch (any) and an automatic one, against thrashing. */
    minSecondsBetweenSwitches: z.number().nonnegative().default(300),
    /** API key names or ids whose requests may trigger a switch; empty: any caller allowed to use the model. */
    allowKeys: z.array(z.string().min(1)).default([]),
    /** A mode other than the default, idle this long, switches back to the default; null: it stays. */
    returnToDefaultAfterSeconds: z.number().positive().nullable().default(null),
  })
  .strict()
  .default({ enabled: false, idleSeconds: 60, minSecondsBetweenSwitches: 300, allowKeys: [], returnToDefaultAfterSeconds: null });

export const labTimingsSchema = z
  .object({
    /** In-flight requests get this long to finish when their backend is stopped; the rest are cut with an error event. */
    drainSeconds: z.number().positive().default(30),
    /** Grace a container gets to stop before it is killed. */
    stopTimeoutSeconds: z.int().positive().default(30),
    /** Time for the GPUs' memory to be released after containers stopped. */
    memoryReleaseSeconds: z.number().positive().default(60),
    /** A GPU counts as free below this much used memory (for backends that declare no gpuMemoryUtilization). */
    memoryReleasedBelowMiB: z.int().positive().default(2048),
    /** Time for a model to load and pass its health checks (cold loads take minutes). */
    loadTimeoutSeconds: z.number().positive().default(600),
    /** Failed health probes in a row after which the watchdog restarts a backend. */
    watchdogFailureThreshold: z.int().positive().default(3),
    /** Restarts in a row that do not bring a backend back, after which the watchdog gives up on it (an alert says so). */
    watchdogMaxRestarts: z.int().positive().default(5),
    onDemand: onDemandSchema,
  })
  .strict()
  .default({
    drainSeconds: 30,
    stopTimeoutSeconds: 30,
    memoryReleaseSeconds: 60,
    memoryReleasedBelowMiB: 2048,
    loadTimeoutSeconds: 600,
    watchdogFailureThreshold: 3,
    watchdogMaxRestarts: 5,
    onDemand: { enabled: false, idleSeconds: 60, minSecondsBetweenSwitches: 300, allowKeys: [], returnToDefaultAfterSeconds: null },
  });

export const telemetrySchema = z
  .object({
    intervalMs: z.int().min(200).default(1000),
    /** The dcgm-exporter metrics URL when gpuTelemetry is dcgm. */
    dcgmUrl: z.url().default("http://127.0.0.1:9400/metrics"),
    nvidiaSmiPath: z.string().min(1).default("nvidia-smi"),
    /** How long downsampled GPU and engine samples are kept. */
    retentionDays: z.int().positive().default(14),
  })
  .strict()
  .default({ intervalMs: 1000, dcgmUrl: "http://127.0.0.1:9400/metrics", nvidiaSmiPath: "nvidia-smi", retentionDays: 14 });

export const serverSchema = z
  .object({
    /**
     * Addresses of reverse proxies whose X-Forwarded-For is believed. Empty (the default): the socket's address is
     * the client, whatever headers it sends.
     */
    trustProxy: z.array(z.string().min(1)).default([]),
    /**
     * Host names the console and /api answer as, beyond localhost, loopback and this machine's own names and
     * addresses (a reverse proxy's public name; `.lab.example` for a domain and its subdomains; `*` for any).
     * Other names are refused with 421, which closes DNS rebinding. /v1 answers under any name.
     */
    allowedHosts: z.array(z.string().trim().min(1)).default([]),
  })
  .strict()
  .default({ trustProxy: [], allowedHosts: [] });

const labConfigObject = z
  .object({
    runtime: z.enum(["docker", "simulated", "none"]).default("simulated"),
    gpuTelemetry: z.enum(["nvidia-smi", "dcgm", "simulated", "none"]).default("simulated"),
    /** `keys`: every /v1 request needs an API key. `open`: anyone on the network may use the lab. */
    auth: z.enum(["keys", "open"]).default("keys"),
    backends: z.record(backendIdSchema, backendSchema),
    modes: z.record(z.string().min(1), modeSchema),
    routes: z.record(z.string().min(1), routeSchema).default({}),
    gateway: gatewaySchema,
    requestLog: requestLogSchema,
    lab: labTimingsSchema,
    telemetry: telemetrySchema,
    server: serverSchema,
    energyPrice: energyPriceSchema,
    alerts: alertsSchema,
    audit: auditSchema,
  })
  .strict();

export const labConfigSchema = labConfigObject.superRefine((config, ctx) => {
  const backendIds = new Set(Object.keys(config.backends));
  const modeNames = Object.keys(config.modes);
  if (modeNames.length === 0) {
    ctx.addIssue({ code: "custom", path: ["modes"], message: "declare at least one mode" });
  }
  const defaults = modeNames.filter((name) => config.modes[name]?.default);
  if (defaults.length > 1) {
    ctx.addIssue({
      code: "custom",
      path: ["modes", defaults[1] ?? "", "default"],
      message: `only one mode can be the default (${defaults.join(", ")} all say default: true)`,
    });
  }
  for (const [modeName, mode] of Object.entries(config.modes)) {
    mode.backends.forEach((id, i) => {
      if (!backendIds.has(id)) {
        ctx.addIssue({
          code: "custom",
          path: ["modes", modeName, "backends", i],
          message: `unknown backend "${id}" (declared backends: ${[...backendIds].join(", ")})`,
        });
      }
    });
  }
  for (const [routeName, route] of Object.entries(config.routes)) {
    if (Array.isArray(route)) {
      route.forEach((id, i) => {
        if (!backendIds.has(id)) {
          ctx.addIssue({
            code: "custom",
            path: ["routes", routeName, i],
            message: `unknown backend "${id}" (declared backends: ${[...backendIds].join(", ")})`,
          });
        }
      });
      continue;
    }
    for (const side of ["fast", "deep"] as const) {
      const target = route.auto[side];
      const targetRoute = config.routes[target];
      if (!targetRoute) {
        ctx.addIssue({
          code: "custom",
          path: ["routes", routeName, "auto", side],
          message: `unknown route "${target}": auto.${side} must name another route`,
        });
      } else if (!Array.isArray(targetRoute)) {
        ctx.addIssue({
          code: "custom",
          path: ["routes", routeName, "auto", side],
          message: `route "${target}" is itself automatic: auto.${side} must name a route with candidates`,
        });
      }
    }
  }
});

export type LabConfig = z.output<typeof labConfigSchema>;
export type BackendConfig = z.output<typeof backendSchema>;
export type ModeConfig = z.output<typeof modeSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
export type AutoRouteConfig = z.output<typeof autoRouteSchema>["auto"];
export type SimulatedBackendConfig = z.output<typeof simulatedBackendSchema>;

/** The mode that is active when nothing else has been chosen: the one marked default, else the first. */
export function defaultModeName(config: LabConfig): string {
  const names = Object.keys(config.modes);
  return names.find((name) => config.modes[name]?.default) ?? names[0] ?? "";
}
