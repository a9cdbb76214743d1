/**
 * The overload run of `npm run bench`: a simulator with a known capacity, a batch client offering twice that
 * capacity, and an interactive client sending at a steady rate. The interactive client's TTFT is measured alone
 * (unloaded), then beside the batch load with admission on and with admission off, through the same app.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import type { Janitor } from "./janitor";
import { OVERLOAD_BACKENDS, OVERLOAD_ROUTES, overloadLabConfigYaml, type AdmissionLimitsYaml } from "./lab-config";
import type { NextApp } from "./next-app";
import { runBatchClient, runInteractiveClient } from "./overload-clients";
import { deriveOverloadFigures, renderOverloadMarkdown, type OverloadFigures, type OverloadPhaseRecords, type OverloadRecords } from "./overload-report";
import { streamingSender } from "./overload-request";

export interface OverloadSettings {
  /** The simulator's capacity model (lib/sim/options.ts); batchSlowdown stays at its default. */
  simulator: { maxNumSeqs: number; ttftMs: number; tokensPerSecond: number };
  admissionOn: AdmissionLimitsYaml;
  admissionOff: AdmissionLimitsYaml;
  queueTimeoutSeconds: number;
  /**
   * Each batch request asks for a length drawn evenly from [minTokens, maxTokens] (seeded, so every run sends the
   * same sequence): with one fixed length the 16 streams would start and end in lockstep, freeing slots in waves.
   */
  batch: { concurrency: number; minTokens: number; maxTokens: number; maxBackoffMs: number };
  interactive: { intervalMs: number; maxTokens: number };
  unloadedSeconds: number;
  loadedSeconds: number;
  /** Batch load runs this long before the interactive client starts, so both backends are at steady state. */
  rampSeconds: number;
  /** A request that has not ended by then is abandoned and counted as lost. */
  requestTimeoutSeconds: number;
}

export function overloadSettings(quick: boolean): OverloadSettings {
  const capacity = 8;
  return {
    simulator: { maxNumSeqs: capacity, ttftMs: 50, tokensPerSecond: 50 },
    // Two of the simulator's eight sequences left free for interactive traffic; a queue of one capacity's worth,
    // so the batch client's 16 (6 running + 8 waiting) overflow it by two and see refusals.
    admissionOn: { maxConcurrency: 6, maxQueue: 8 },
    admissionOff: { maxConcurrency: 1000, maxQueue: 1000 },
    queueTimeoutSeconds: 10,
    batch: { concurrency: 2 * capacity, minTokens: 32, maxTokens: 96, maxBackoffMs: 5000 },
    interactive: { intervalMs: 250, maxTokens: 16 },
    unloadedSeconds: quick ? 5 : 15,
    loadedSeconds: quick ? 6 : 20,
    rampSeconds: quick ? 2 : 3,
    requestTimeoutSeconds: 60,
  };
}

export interface OverloadDeps {
  root: string;
  /** A scratch directory for the config and the request log database. */
  tmp: string;
  janitor: Janitor;
  /** Starts the built app with this environment (and tracks it in the janitor). */
  startApp(env: Record<string, string>): Promise<NextApp>;
  log(message: string): void;
}

export interface OverloadRun {
  settings: OverloadSettings;
  figures: OverloadFigures;
  markdown: string;
  /** Per request: lane, times, status, TTFT, Retry-After, outcome. */
  records: OverloadRecords;
}

const SERVED_MODEL = "overload-model";
const INTERACTIVE_MESSAGES = [{ role: "user", content: "What is the capital of France?" }];
const BATCH_MESSAGES = [{ role: "user", content: "Summarise the following report in a paragraph: quarterly GPU usage was steady." }];
const CHAT_PATH = "/v1/chat/completions";

export async function runOverload(settings: OverloadSettings, deps: OverloadDeps): Promise<OverloadRun> {
  const { janitor, log } = deps;
  log(`overload: starting a simulator with ${settings.simulator.maxNumSeqs} sequences, TTFT ${settings.simulator.ttftMs} ms, ${settings.simulator.tokensPerSecond} tokens/s`);
  const sim = await spawnSimulator({ servedModel: SERVED_MODEL, ...settings.simulator }, { waitReady: true, projectRoot: deps.root });
  const simTracked = { label: "overload simulator", stop: () => sim.stop(), kill: () => void sim.kill("SIGKILL") };
  janitor.track(simTracked);
  try {
    const configFile = path.join(deps.tmp, "switchyard.overload.yaml");
    writeFileSync(configFile, overloadLabConfigYaml(sim.url, SERVED_MODEL, settings));
    log("overload: starting the app");
    const app = await deps.startApp({ SWITCHYARD_CONFIG: configFile, SWITCHYARD_DB: path.join(deps.tmp, "switchyard-overload.db") });
    let records: OverloadRecords;
    try {
      await assertRouteServes(app, OVERLOAD_ROUTES.admissionOn, OVERLOAD_BACKENDS.admissionOn);
      await assertRouteServes(app, OVERLOAD_ROUTES.admissionOff, OVERLOAD_BACKENDS.admissionOff);
      await warmUp(app, settings);

      log(`overload: interactive client alone for ${settings.unloadedSeconds} s`);
      const both = (route: string) => ({ interactive: route, batch: route });
      const unloaded = await runOverloadPhase(app.url, sim, both(OVERLOAD_ROUTES.admissionOn), settings, { withBatch: false, seconds: settings.unloadedSeconds });
      await untilSimulatorIdle(sim);
      log(`overload: admission on (maxConcurrency ${settings.admissionOn.maxConcurrency}, maxQueue ${settings.admissionOn.maxQueue}), ${settings.loadedSeconds} s`);
      const admissionOn = await runOverloadPhase(app.url, sim, both(OVERLOAD_ROUTES.admissionOn), settings, { withBatch: true, seconds: settings.loadedSeconds });
      await untilSimulatorIdle(sim);
      log(`overload: admission off (pass-through), ${settings.loadedSeconds} s`);
      const admissionOff = await runOverloadPhase(app.url, sim, both(OVERLOAD_ROUTES.admissionOff), settings, { withBatch: true, seconds: settings.loadedSeconds });
      records = { unloaded, admissionOn, admissionOff };
    } finally {
      const code = await janitor.stop(app).then(() => app.exited);
      if (code !== 0) log(`overload: the app exited with code ${code}`);
    }
    const figures = deriveOverloadFigures(records);
    const markdown = renderOverloadMarkdown(figures, {
      setup: describeSetup(settings),
      labels: {
        unloaded: "interactive alone (unloaded)",
        admissionOn: `admission on (maxConcurrency ${settings.admissionOn.maxConcurrency}, maxQueue ${settings.admissionOn.maxQueue})`,
        admissionOff: `admission off (maxConcurrency ${settings.admissionOff.maxConcurrency}: pass-through)`,
      },
    });
    return { settings, figures, markdown, records };
  } finally {
    await janitor.stop(simTracked);
  }
}

function describeSetup(s: OverloadSettings): string {
  return [
    `simulator: ${s.simulator.maxNumSeqs} sequences, TTFT ${s.simulator.ttftMs} ms, ${s.simulator.tokensPerSecond} tokens/s`,
    `batch: ${s.batch.concurrency} streams in flight, ${s.batch.minTokens}-${s.batch.maxTokens} tokens each, \`x-switchyard-priority: batch\`, Retry-After honoured`,
    `interactive: one stream every ${s.interactive.intervalMs} ms, ${s.interactive.maxTokens} tokens, ${s.loadedSeconds} s per loaded run (${s.unloadedSeconds} s alone)`,
  ].join("; ");
}

/**
 * The interactive client for `seconds`, beside the batch client when asked; every request's record. Each lane
 * names its route (the same one in the bench; two let an experiment give the lanes different limits).
 */
export async function runOverloadPhase(
  appUrl: string,
  sim: SimulatorProcess,
  routes: { interactive: string; batch: string },
  settings: OverloadSettings,
  options: { withBatch: boolean; seconds: number },
): Promise<OverloadPhaseRecords> {
  const timeoutMs = settings.requestTimeoutSeconds * 1000;
  const poolOptions = { pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const interactivePool = new Pool(appUrl, { ...poolOptions, connections: 64 });
  const batchPool = new Pool(appUrl, { ...poolOptions, connections: settings.batch.concurrency });
  const stopBatch = new AbortController();
  const batchTokens = seededIntegers(settings.batch.minTokens, settings.batch.maxTokens);
  let sampler: ReturnType<typeof sampleSimulator> | undefined;
  try {
    const batchRun = options.withBatch
      ? runBatchClient({
          concurrency: settings.batch.concurrency,
          maxBackoffMs: settings.batch.maxBackoffMs,
          stop: stopBatch.signal,
          send: streamingSender(batchPool, {
            lane: "batch",
            path: CHAT_PATH,
            body: () => ({ model: routes.batch, messages: BATCH_MESSAGES, max_tokens: batchTokens(), ignore_eos: true }),
            headers: { "x-switchyard-priority": "batch" },
            timeoutMs,
          }),
        })
      : Promise.resolve([]);
    if (options.withBatch) await sleep(settings.rampSeconds * 1000);
    const durationMs = options.seconds * 1000;
    const startMs = performance.now();
    sampler = sampleSimulator(sim);
    const interactive = await runInteractiveClient({
      intervalMs: settings.interactive.intervalMs,
      durationMs,
      send: streamingSender(interactivePool, {
        lane: "interactive",
        path: CHAT_PATH,
        body: { model: routes.interactive, messages: INTERACTIVE_MESSAGES, max_tokens: settings.interactive.maxTokens },
        timeoutMs,
      }),
    });
    const simulator = sampler.stop();
    // The batch load stays on until the last interactive request has ended; its requests then run to their end.
    stopBatch.abort();
    const batch = await batchRun;
    return { window: { startMs, endMs: startMs + durationMs }, interactive, batch, simulator };
  } finally {
    stopBatch.abort();
    sampler?.stop();
    await Promise.allSettled([interactivePool.close(), batchPool.close()]);
  }
}

/** vLLM's running and waiting sequences, twice a second: where requests queue (the gateway or the engine). */
function sampleSimulator(sim: SimulatorProcess): { stop(): { running: number[]; waiting: number[] } } {
  const samples = { running: [] as number[], waiting: [] as number[] };
  let stopped = false;
  const tick = async () => {
    while (!stopped) {
      try {
        const response = await fetch(`${sim.url}/_sim/state`, { signal: AbortSignal.timeout(2000) });
        const state = (await response.json()) as { running?: unknown; waiting?: unknown };
        if (!stopped && typeof state.running === "number" && typeof state.waiting === "number") {
          samples.running.push(state.running);
          samples.waiting.push(state.waiting);
        }
      } catch {
        // a missed sample is no harm
      }
      await sleep(500);
    }
  };
  void tick();
  return {
    stop() {
      stopped = true;
      return samples;
    },
  };
}

/** One request per route must reach the simulator through the expected backend before anything is timed. */
async function assertRouteServes(app: NextApp, route: string, backend: string): Promise<void> {
  const response = await fetch(`${app.url}${CHAT_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: route, messages: INTERACTIVE_MESSAGES, max_tokens: 4 }),
  });
  const text = await response.text();
  if (response.status !== 200 || response.headers.get("x-switchyard-backend") !== backend) {
    throw new Error(`the gateway did not serve a test request on ${route} (status ${response.status}): ${text.slice(0, 500)}\n--- next output ---\n${app.output().slice(-2000)}`);
  }
}

/** A few streams on each route first, so the JIT and the connection pools are warm for the unloaded figures. */
async function warmUp(app: NextApp, settings: OverloadSettings): Promise<void> {
  const pool = new Pool(app.url, { connections: 4 });
  try {
    for (const route of [OVERLOAD_ROUTES.admissionOn, OVERLOAD_ROUTES.admissionOff]) {
      const send = streamingSender(pool, {
        lane: "interactive",
        path: CHAT_PATH,
        body: { model: route, messages: INTERACTIVE_MESSAGES, max_tokens: settings.interactive.maxTokens },
        timeoutMs: 30_000,
      });
      for (let i = 0; i < 3; i += 1) await Promise.all([send(), send(), send(), send()]);
    }
  } finally {
    await pool.close();
  }
}

/** Between runs: nothing may still run or wait in the simulator. */
export async function untilSimulatorIdle(sim: SimulatorProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await sim.state();
    if (state.running === 0 && state.waiting === 0) return;
    await sleep(200);
  }
  throw new Error(`the simulator still had requests ${timeoutMs / 1000} s after the load stopped`);
}

/** Integers evenly spread over [min, max] from a fixed seed (mulberry32): the same sequence on every run. */
export function seededIntegers(min: number, max: number, seed = 0x5eed): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return min + Math.floor(unit * (max - min + 1));
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
