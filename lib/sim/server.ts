import http from "node:http";
import type { Socket } from "node:net";
import type { RequestContext, SimCore } from "./core";
import { Engine } from "./engine";
import { ENGINE_DEAD_MESSAGE, renderError, SimError } from "./errors";
import { startupRefusal } from "./gpu-memory";
import { handleChatCompletions } from "./handlers/chat";
import { handleCollectiveRpc } from "./handlers/collective-rpc";
import { handleCompletions } from "./handlers/completions";
import { handleEmbeddings } from "./handlers/embeddings";
import { handleHealth, handleLoad, handleMetrics, handleModels, handleVersion } from "./handlers/info";
import { handleResponses } from "./handlers/responses";
import { handleIsSleeping, handleSleep, handleWakeUp } from "./handlers/sleep";
import { handleDetokenize, handleTokenize } from "./handlers/tokenize";
import { parseJsonBody, readBody, sendJson } from "./http";
import { pickFreePort } from "./ports";
import { SimMetrics } from "./metrics";
import {
  mergeFaults,
  SimFaultsPatch,
  SimulatorOptions,
  type SimFaults,
  type SimulatorOptionsInput,
} from "./options";
import { resolveProfile, type VllmProfile } from "./profiles";
import { describeIssues, StreamOptions } from "./protocol";
import { EngineSleep } from "./sleep";
import { Ring, type AbortRecord, type RecentRequest, type SimState, type SimTotals } from "./state";

/**
 * The simulator process's HTTP server (node:http, no framework). See README.md in this folder for the
 * behaviour it reproduces and the `/_sim/*` control routes.
 */

type Handler = (ctx: RequestContext) => void | Promise<void>;

interface Route {
  methods: readonly string[];
  handler: Handler;
  /** Parse the body as JSON (vLLM's JSON routes reject other content types with 400). */
  json?: boolean;
  /** An inference route: recorded in `/_sim/state` and subject to the `error500` fault. */
  inference?: boolean;
}

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ["/health", { methods: ["GET"], handler: handleHealth }],
  ["/ping", { methods: ["GET", "POST"], handler: handleHealth }],
  ["/version", { methods: ["GET"], handler: handleVersion }],
  ["/v1/models", { methods: ["GET"], handler: handleModels }],
  ["/load", { methods: ["GET"], handler: handleLoad }],
  ["/metrics", { methods: ["GET"], handler: handleMetrics }],
  ["/v1/chat/completions", { methods: ["POST"], handler: handleChatCompletions, json: true, inference: true }],
  ["/v1/completions", { methods: ["POST"], handler: handleCompletions, json: true, inference: true }],
  ["/v1/embeddings", { methods: ["POST"], handler: handleEmbeddings, json: true, inference: true }],
  ["/v1/responses", { methods: ["POST"], handler: handleResponses, json: true, inference: true }],
  ["/tokenize", { methods: ["POST"], handler: handleTokenize, json: true }],
  ["/detokenize", { methods: ["POST"], handler: handleDetokenize, json: true }],
  ["/_sim/state", { methods: ["GET"], handler: (ctx) => sendJson(ctx.res, 200, JSON.stringify(simulatorOf(ctx).state())) }],
  [
    "/_sim/faults",
    {
      methods: ["GET", "POST"],
      handler: (ctx) => {
        const sim = simulatorOf(ctx);
        if (ctx.req.method === "POST") {
          const patch = SimFaultsPatch.safeParse(ctx.body);
          if (!patch.success) throw new SimError("invalid_request", describeIssues(patch.error));
          sim.setFaults(patch.data);
        }
        sendJson(ctx.res, 200, JSON.stringify(sim.faults()));
      },
      json: true,
    },
  ],
]);

/** vLLM registers these only when `VLLM_SERVER_DEV_MODE=1` (`serverDevMode`); otherwise they are 404s. */
const DEV_MODE_ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ["/sleep", { methods: ["POST"], handler: handleSleep }],
  ["/wake_up", { methods: ["POST"], handler: handleWakeUp }],
  ["/is_sleeping", { methods: ["GET"], handler: handleIsSleeping }],
  ["/collective_rpc", { methods: ["POST"], handler: handleCollectiveRpc }],
]);

function simulatorOf(ctx: RequestContext): Simulator {
  if (!(ctx.core instanceof Simulator)) throw new Error("control routes need the Simulator");
  return ctx.core;
}

export interface SimulatorHooks {
  /** The engine crash of `crashAfterTokens`. The CLI exits the process; by default the server is torn down. */
  onCrash?: () => void;
  /** One structured log entry (the CLI writes them to stderr as JSON lines). */
  log?: (entry: Record<string, unknown>) => void;
}

/** Thrown by `listen()` when the `failAtLoad` fault fires; `message` is the CUDA out-of-memory error line. */
export class SimLoadError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.find((line) => line.includes("CUDA out of memory") || line.startsWith("ValueError")) ?? lines.join("\n"));
    this.name = "SimLoadError";
  }
}

export class Simulator implements SimCore {
  readonly options: SimulatorOptions;
  readonly profile: VllmProfile;
  readonly metrics: SimMetrics;
  readonly engine: Engine;
  readonly sleep: EngineSleep;
  readonly totals: SimTotals = {
    requests: 0,
    finished: 0,
    aborted: 0,
    dropped: 0,
    errors: 0,
    promptTokens: 0,
    generationTokens: 0,
  };
  private currentFaults: SimFaults;
  private readonly recentRequests = new Ring<RecentRequest>(100);
  private readonly aborts = new Ring<AbortRecord>(100);
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private boundPort: number | null = null;
  private loadTimer: NodeJS.Timeout | null = null;
  private cancelLoad: (() => void) | null = null;
  private closing: Promise<void> | null = null;
  private dead = false;
  /** Free memory on the engine's GPUs as the spawner last said (gpu-memory.ts); null: unknown, never refused. */
  private gpuFreeMiB: number | null;

  constructor(
    input: SimulatorOptionsInput = {},
    private readonly hooks: SimulatorHooks = {},
  ) {
    this.options = SimulatorOptions.parse(input);
    this.profile = resolveProfile(this.options.vllmVersion, this.options.version);
    this.currentFaults = this.options.faults;
    this.gpuFreeMiB = this.options.gpuFreeMiB ?? null;
    this.metrics = new SimMetrics(this.options.servedModel, cacheConfigInfo(this.options), this.options.maxModelLen);
    this.engine = new Engine(this.options.maxNumSeqs, this.options.kvCacheTokens, this.metrics);
    this.sleep = new EngineSleep({
      options: this.options,
      engine: this.engine,
      faults: () => this.currentFaults,
      log: (entry) => this.log(entry),
      gpuFreeMiB: () => this.gpuFreeMiB,
    });
    this.server = http.createServer((req, res) => void this.dispatch(req, res));
    // uvicorn's keep-alive timeout: idle client sockets are closed after 5 s.
    this.server.keepAliveTimeout = 5000;
    this.server.on("connection", (socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  /** The spawner's latest word on the free memory of the engine's GPUs (a `gpu_free` line on stdin). */
  setGpuFreeMiB(freeMiB: number): void {
    this.gpuFreeMiB = freeMiB;
  }

  get shuttingDown(): boolean {
    return this.closing !== null;
  }

  /** The port (known before listening when it was given or picked for a load phase). */
  get port(): number {
    if (this.boundPort === null) throw new Error("the simulator has no port yet");
    return this.boundPort;
  }

  get url(): string {
    const host = this.options.host.includes(":") ? `[${this.options.host}]` : this.options.host;
    return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${this.port}`;
  }

  /**
   * "Loads the model" (connections are refused meanwhile: nothing listens), then listens. With port 0 and
   * a load phase, a free port is reserved first so the URL is known while loading.
   */
  async listen(): Promise<number> {
    const loadMs = this.options.loadMs + this.currentFaults.slowLoadMs;
    if (this.options.port !== 0) this.boundPort = this.options.port;
    else if (loadMs > 0) this.boundPort = await pickFreePort(this.options.host);
    this.log({ event: "loading", model: this.options.root, servedModel: this.options.servedModel, loadMs });
    // vLLM measures free memory as its worker starts, before the weights load.
    const refusal = startupRefusal(this.gpuFreeMiB, this.options.gpuMemoryUtilization, this.options.gpuTotalMiB);
    if (refusal) throw new SimLoadError(refusal);
    if (loadMs > 0) {
      await new Promise<void>((resolve, reject) => {
        this.cancelLoad = () => reject(new Error("simulator closed while loading"));
        this.loadTimer = setTimeout(resolve, loadMs);
      });
      this.loadTimer = null;
      this.cancelLoad = null;
    }
    if (this.currentFaults.failAtLoad) throw new SimLoadError(outOfMemoryLines(this.options.root));
    if (this.closing) throw new Error("simulator closed while loading");
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.boundPort ?? 0, this.options.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("unexpected server address");
    this.boundPort = address.port;
    this.log({ event: "listening", port: address.port });
    return address.port;
  }

  faults(): SimFaults {
    return this.currentFaults;
  }

  setFaults(patch: SimFaultsPatch): SimFaults {
    this.currentFaults = mergeFaults(this.currentFaults, SimFaultsPatch.parse(patch));
    this.log({ event: "faults", faults: this.currentFaults });
    return this.currentFaults;
  }

  takeError500(): boolean {
    if (this.currentFaults.error500 <= 0) return false;
    this.currentFaults = { ...this.currentFaults, error500: this.currentFaults.error500 - 1 };
    return true;
  }

  recordAbort(record: AbortRecord): void {
    this.aborts.push(record);
  }

  state(): SimState {
    return {
      model: this.options.servedModel,
      kind: this.options.kind,
      pid: process.pid,
      running: this.engine.running.size,
      waiting: this.engine.waitingCount,
      totals: {
        ...this.totals,
        promptTokens: this.metrics.promptTokens,
        generationTokens: this.metrics.generationTokens,
      },
      faults: this.currentFaults,
      sleep: this.sleep.snapshot(),
      recentRequests: this.recentRequests.toArray(),
      aborts: this.aborts.toArray(),
    };
  }

  crash(): void {
    if (this.dead) return;
    this.dead = true;
    this.log({ event: "crash", message: "EngineCore encountered a fatal error." });
    if (this.hooks.onCrash) {
      this.hooks.onCrash();
      return;
    }
    for (const run of this.engine.activeRuns()) run.abort("crash");
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  /** SIGTERM behaviour: stop accepting, end the open streams, close every connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.loadTimer) clearTimeout(this.loadTimer);
    this.cancelLoad?.();
    if (!this.server.listening) return;
    this.log({ event: "shutdown", running: this.engine.running.size, waiting: this.engine.waitingCount });
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const run of this.engine.activeRuns()) run.abort("shutdown");
    this.server.closeIdleConnections();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, 250).unref());
    await Promise.race([closed, grace]);
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const route = ROUTES.get(path) ?? (this.options.serverDevMode ? DEV_MODE_ROUTES.get(path) : undefined);
    const xRequestId = headerValue(req.headers["x-request-id"]);
    const ctx: RequestContext = { core: this, req, res, path, xRequestId, body: undefined };
    try {
      if (!route) return sendDetail(res, 404, "Not Found");
      if (!route.methods.includes(req.method ?? "GET")) return sendDetail(res, 405, "Method Not Allowed");
      if (route.json && req.method === "POST") {
        const raw = await readBody(req);
        if (route.inference) this.totals.requests++;
        ctx.body = route.inference ? this.recordRequest(req, path, xRequestId, raw) : parseJsonBody(req, raw);
        if (route.inference && this.takeError500()) throw new SimError("engine_error", ENGINE_DEAD_MESSAGE);
      }
      await route.handler(ctx);
    } catch (err) {
      this.fail(res, err);
    }
  }

  /** Parses an inference body and notes it for `/_sim/state` (even when it does not parse). */
  private recordRequest(req: http.IncomingMessage, path: string, xRequestId: string | null, raw: Buffer): unknown {
    const entry: RecentRequest = {
      method: req.method ?? "POST",
      path,
      xRequestId,
      headers: flatHeaders(req.headers),
      model: null,
      stream: null,
      streamOptions: null,
      receivedAt: Date.now(),
    };
    this.recentRequests.push(entry);
    const body = parseJsonBody(req, raw);
    if (body && typeof body === "object" && !Array.isArray(body)) {
      const fields = body as Record<string, unknown>;
      if (typeof fields.model === "string") entry.model = fields.model;
      if (typeof fields.stream === "boolean") entry.stream = fields.stream;
      const streamOptions = StreamOptions.safeParse(fields.stream_options);
      if (streamOptions.success) entry.streamOptions = streamOptions.data;
    }
    return body;
  }

  private fail(res: http.ServerResponse, err: unknown): void {
    const error =
      err instanceof SimError ? err : new SimError("engine_error", err instanceof Error ? err.message : String(err));
    if (!(err instanceof SimError)) this.log({ event: "error", message: error.message, stack: (err as Error)?.stack });
    if (error.status >= 500) this.totals.errors++;
    if (res.writableEnded || res.destroyed) return;
    if (res.headersSent) {
      // vLLM's in-stream error: an error event, then [DONE].
      res.end(`data: ${renderError(new SimError("bad_request", error.message), this.profile)}\n\ndata: [DONE]\n\n`);
      return;
    }
    sendJson(res, error.status, renderError(error, this.profile));
  }

  private log(entry: Record<string, unknown>): void {
    this.hooks.log?.(entry);
  }
}

export interface RunningSimulator {
  url: string;
  port: number;
  options: SimulatorOptions;
  simulator: Simulator;
  state(): SimState;
  setFaults(patch: SimFaultsPatch): SimFaults;
  close(): Promise<void>;
}

/** Starts a simulator in this process and resolves once it listens (after `loadMs`). */
export async function startSimulator(input: SimulatorOptionsInput = {}, hooks: SimulatorHooks = {}): Promise<RunningSimulator> {
  const simulator = new Simulator(input, hooks);
  const port = await simulator.listen();
  return {
    url: simulator.url,
    port,
    options: simulator.options,
    simulator,
    state: () => simulator.state(),
    setFaults: (patch) => simulator.setFaults(patch),
    close: () => simulator.close(),
  };
}

function sendDetail(res: http.ServerResponse, status: number, detail: string): void {
  sendJson(res, status, JSON.stringify({ detail }));
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function cacheConfigInfo(options: SimulatorOptions): Record<string, string> {
  return {
    block_size: "16",
    cache_dtype: "auto",
    calculate_kv_scales: "False",
    cpu_offload_gb: "0",
    enable_prefix_caching: "True",
    gpu_memory_utilization: String(options.gpuMemoryUtilization ?? 0.9),
    num_cpu_blocks: "None",
    num_gpu_blocks: String(Math.floor(options.kvCacheTokens / 16)),
    prefix_caching_hash_algo: "sha256",
    sliding_window: "None",
    swap_space: "4",
  };
}

/** What vLLM prints when the model does not fit: the line operators (and the watchdog) look for. */
function outOfMemoryLines(model: string): string[] {
  return [
    `ERROR [core.py:708] EngineCore failed to start.`,
    "Traceback (most recent call last):",
    `  File "/usr/local/lib/python3.12/dist-packages/vllm/v1/worker/gpu_model_runner.py", line 2163, in load_model (model=${model})`,
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 270.00 MiB. GPU 0 has a total capacity of 23.57 GiB " +
      "of which 187.44 MiB is free. Including non-PyTorch memory, this process has 23.38 GiB memory in use. Of the " +
      "allocated memory 22.91 GiB is allocated by PyTorch, and 112.35 MiB is reserved by PyTorch but unallocated. If " +
      "reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid " +
      "fragmentation.",
    "RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}",
  ];
}
