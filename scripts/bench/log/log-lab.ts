import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parse, stringify } from "yaml";
import { pickFreePort } from "@/lib/sim/ports";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import type { Janitor } from "../janitor";
import { startNextApp, type NextApp } from "../next-app";

/**
 * The lab the log benchmark runs: the simulated lab's config (auth open, no admin password, so /api needs no
 * credentials) with its backends replaced by one zero-latency simulator that this benchmark starts (the simulated
 * runtime's simulators cannot be zero-latency: their TTFT and per-token timers would swamp the gateway's cost), and
 * retention limits far above the data, so the start-up pass finds nothing to delete.
 */
export const SERVED_MODEL = "bench-model";
export const GATEWAY_MODEL = "fast";

export function logBenchConfigYaml(root: string, simUrl: string): string {
  const simulated = parse(readFileSync(path.join(root, "switchyard.simulated.yaml"), "utf8")) as Record<string, unknown>;
  return stringify({
    ...simulated,
    runtime: "none",
    gpuTelemetry: "none",
    auth: "open",
    backends: { bench: { url: simUrl, servedModel: SERVED_MODEL, maxConcurrency: 1024, maxQueue: 1024, watchdog: false } },
    modes: { standard: { backends: ["bench"], default: true, description: "request-log benchmark" } },
    routes: { [GATEWAY_MODEL]: ["bench"] },
    requestLog: { retentionDays: 36_500, retentionRows: 2_000_000_000, bodyRetentionDays: 36_500, rollupRetentionDays: 36_500 },
  });
}

export async function startSimulator(root: string, janitor: Janitor): Promise<SimulatorProcess> {
  const sim = await spawnSimulator({ servedModel: SERVED_MODEL, zeroLatency: true, maxNumSeqs: 256 }, { waitReady: true, projectRoot: root });
  janitor.track({ label: "simulator", stop: () => sim.stop(), kill: () => void sim.kill("SIGKILL") });
  return sim;
}

export function writeConfig(dir: string, yaml: string): string {
  const file = path.join(dir, "switchyard.bench-log.yaml");
  writeFileSync(file, yaml);
  return file;
}

export interface StartedApp {
  app: NextApp;
  /** Spawn to /readyz 200 (polled every 100 ms). */
  readyMs: number;
  /** Spawn to the first /api/requests page answered (the reader worker starts on first use). */
  firstPageMs: number;
}

/** `npm start` on the built app, timed from spawn. */
export async function startApp(root: string, env: Record<string, string>, janitor: Janitor): Promise<StartedApp> {
  const port = await pickFreePort();
  const started = performance.now();
  const app = await startNextApp({ projectRoot: root, port, env, readyTimeoutMs: 120_000 });
  janitor.track(app);
  const readyMs = performance.now() - started;
  const response = await fetch(`${app.url}/api/requests?limit=50`);
  const text = await response.text();
  const firstPageMs = performance.now() - started;
  if (response.status !== 200) throw new Error(`the first page failed (${response.status}): ${text.slice(0, 300)}\n${app.output().slice(-2000)}`);
  return { app, readyMs, firstPageMs };
}
