/**
 * The gateway benchmark: `npm run bench [-- --build] [-- --quick] [-- --profile] [-- --overload-only]`.
 * One zero-latency simulator; the built app started twice (request log on, then off); each time the gateway,
 * the simulator directly and Next's no-op route are measured side by side. Then the overload run: a simulator
 * with a real capacity model, a batch client at twice its capacity, an interactive client's TTFT with admission
 * on and off. Prints markdown and writes `.tmp/bench/results.json`. Every ratio is taken between measurements of
 * the same run: the machine is shared.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { pickFreePort } from "@/lib/sim/ports";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import { buildApp, hasBuild } from "./bench/build";
import { ownCpuClock, processCpuClock } from "./bench/cpu-time";
import {
  costPerTarget,
  profilesIn,
  readCpuProfile,
  renderCostDiffMarkdown,
  renderProfileMarkdown,
  summarizeCpuProfile,
  type ProfileSummary,
  type TargetCost,
} from "./bench/cpu-profile";
import { guardRun, Janitor } from "./bench/janitor";
import { BENCH_BACKEND, BENCH_ROUTE, benchLabConfigYaml } from "./bench/lab-config";
import { measureLatency, measureThroughput, type LoadTarget } from "./bench/load";
import { startNextApp, type NextApp } from "./bench/next-app";
import { overloadSettings, runOverload, type OverloadRun, type OverloadSettings } from "./bench/overload";
import { deriveFigures, renderMarkdown, TARGETS, type PhaseResults } from "./bench/report";

const SERVED_MODEL = "bench-model";
const MESSAGES = [{ role: "user", content: "Say hello in a few words." }];
const RUN_DEADLINE_MS = 10 * 60_000;

interface Settings {
  build: boolean;
  profile: boolean;
  /** Only the overload run (admission on vs off); the other sections of results.json are kept as they were. */
  overloadOnly: boolean;
  overload: OverloadSettings;
  latency: { warmup: number; requests: number };
  ttft: { warmup: number; requests: number };
  throughput: { concurrency: number; warmupMs: number; secondsPerTarget: number; rounds: number };
}

function parseArgs(argv: string[]): Settings | "help" {
  const known = new Set(["--build", "--quick", "--profile", "--overload-only", "--help", "-h"]);
  const unknown = argv.filter((arg) => !known.has(arg));
  if (unknown.length > 0) throw new Error(`unknown option(s): ${unknown.join(" ")} (try --help)`);
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const quick = argv.includes("--quick");
  return {
    build: argv.includes("--build"),
    profile: argv.includes("--profile"),
    overloadOnly: argv.includes("--overload-only"),
    overload: overloadSettings(quick),
    latency: quick ? { warmup: 100, requests: 300 } : { warmup: 300, requests: 1500 },
    ttft: quick ? { warmup: 20, requests: 100 } : { warmup: 50, requests: 500 },
    throughput: quick
      ? { concurrency: 32, warmupMs: 500, secondsPerTarget: 2, rounds: 4 }
      : { concurrency: 32, warmupMs: 1000, secondsPerTarget: 8, rounds: 16 },
  };
}

const HELP = `npm run bench [-- options]
  --build    run \`next build\` first even if .next/BUILD_ID exists
  --quick    fewer requests and shorter windows (a smoke run; figures are noisier)
  --profile  run the apps under --cpu-prof and summarise where their CPU time goes (slows them down)
  --overload-only  only the overload run (interactive TTFT beside 2x batch load, admission on vs off);
             keeps the other sections of .tmp/bench/results.json from the last full run`;

function projectRoot(): string {
  try {
    return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  } catch {
    return process.cwd();
  }
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** `next start` can fail while someone else replaces `.next`; wait and try again a few times. */
async function startAppWithRetry(root: string, env: Record<string, string>, nodeArgs: string[], janitor: Janitor): Promise<NextApp> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await pickFreePort();
    try {
      const app = await startNextApp({ projectRoot: root, port, env, nodeArgs });
      janitor.track(app);
      return app;
    } catch (error) {
      const looksLikeBuildSwap = !hasBuild(root) || /production build|ENOENT|Cannot find module|BUILD_ID|EADDRINUSE/i.test((error as Error).message);
      if (attempt >= 4 || !looksLikeBuildSwap) throw error;
      log(`next start failed (attempt ${attempt}), retrying in 15 s: ${(error as Error).message.split("\n")[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 15_000));
    }
  }
}

/** One request through the gateway must reach the simulator before anything is timed. */
async function assertGatewayServes(app: NextApp): Promise<void> {
  const response = await fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: BENCH_ROUTE, messages: MESSAGES, max_tokens: 16 }),
  });
  const text = await response.text();
  if (response.status !== 200 || response.headers.get("x-switchyard-backend") !== BENCH_BACKEND) {
    throw new Error(`the gateway did not serve a test request (status ${response.status}): ${text.slice(0, 500)}\n--- next output ---\n${app.output().slice(-2000)}`);
  }
}

function countLogRows(dbFile: string): number | null {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM RequestLog").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

interface PhaseRun {
  results: PhaseResults;
  logRows: number | null;
  profiles: { file: string; summary: ProfileSummary; costPerTarget: Record<string, TargetCost> }[];
}

async function runPhase(requestLog: "on" | "off", ctx: { root: string; sim: SimulatorProcess; configFile: string; tmp: string; settings: Settings; janitor: Janitor }): Promise<PhaseRun> {
  const { root, sim, configFile, tmp, settings, janitor } = ctx;
  const dbFile = path.join(tmp, `switchyard-log-${requestLog}.db`);
  const profileDir = path.join(root, ".tmp", "bench", "profiles", `log-${requestLog}`);
  const env: Record<string, string> = { SWITCHYARD_CONFIG: configFile, SWITCHYARD_DB: dbFile, SWITCHYARD_REQUEST_LOG: requestLog, SWITCHYARD_BENCH_NOOP: "on" };
  const nodeArgs: string[] = [];
  if (settings.profile) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
    nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${profileDir}`);
  }

  log(`starting the app with the request log ${requestLog}`);
  const app = await startAppWithRetry(root, env, nodeArgs, janitor);
  let results: PhaseResults;
  try {
    await assertGatewayServes(app);
    const body = { messages: MESSAGES, max_tokens: 16 };
    const direct: LoadTarget = { name: "direct", origin: sim.url, path: "/v1/chat/completions", body: { model: SERVED_MODEL, ...body } };
    const gateway: LoadTarget = { name: "gateway", origin: app.url, path: "/v1/chat/completions", body: { model: BENCH_ROUTE, ...body } };
    const noop: LoadTarget = { name: "noop", origin: app.url, path: "/noop", body: { model: BENCH_ROUTE, ...body } };

    // Throughput first: its warm-up at concurrency 32 also gets the JIT warm for the latency runs.
    log(`log ${requestLog}: throughput at concurrency ${settings.throughput.concurrency}`);
    const cpuClocks = { app: processCpuClock(app.pid), simulator: processCpuClock(sim.pid), loadgen: ownCpuClock };
    const throughput = await measureThroughput([direct, gateway, noop], settings.throughput, cpuClocks);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the log writer catch up
    log(`log ${requestLog}: latency at concurrency 1`);
    const latency = await measureLatency([direct, gateway, noop], settings.latency);
    log(`log ${requestLog}: streaming TTFT at concurrency 1`);
    const ttft = await measureLatency([direct, gateway], { ...settings.ttft, stream: true });
    results = {
      requestLog,
      latency: { direct: pick(latency, "direct"), gateway: pick(latency, "gateway"), noop: pick(latency, "noop") },
      ttft: { direct: pick(ttft, "direct"), gateway: pick(ttft, "gateway") },
      throughput: { direct: pick(throughput, "direct"), gateway: pick(throughput, "gateway"), noop: pick(throughput, "noop") },
    };
  } finally {
    const code = await janitor.stop(app).then(() => app.exited);
    if (code !== 0) log(`the app (log ${requestLog}) exited with code ${code}`);
  }
  const { throughput } = results;
  const spans = { direct: throughput.direct.spans, gateway: throughput.gateway.spans, noop: throughput.noop.spans };
  const loadBeganUs = Math.min(...Object.values(spans).flatMap((list) => list.map((span) => span.startUs)));
  return {
    results,
    logRows: countLogRows(dbFile),
    profiles: (settings.profile ? profilesIn(profileDir) : []).map((file) => {
      const profile = readCpuProfile(file);
      return { file: path.relative(root, file), summary: summarizeCpuProfile(profile, { fromUs: loadBeganUs }), costPerTarget: costPerTarget(profile, spans) };
    }),
  };
}

/** The gateway with the log on against the gateway with it off: two processes, compared per request. */
function renderLogCostDiff(on: PhaseRun["profiles"], off: PhaseRun["profiles"]): string {
  const gatewayOn = on[0]?.costPerTarget.gateway;
  const gatewayOff = off[0]?.costPerTarget.gateway;
  if (!gatewayOn || !gatewayOff) return "";
  return renderCostDiffMarkdown("request log", { "log off": gatewayOff, "log on": gatewayOn }, "log off", "log on");
}

function pick<T>(record: Record<string, T>, key: string): T {
  const value = record[key];
  if (value === undefined) throw new Error(`no result for ${key}`);
  return value;
}

/** The gateway's own cost: latency, throughput and TTFT against the simulator and the no-op route, log on and off. */
async function runGatewayBench(settings: Settings, ctx: { root: string; tmp: string; janitor: Janitor }): Promise<{ report: string; json: Record<string, unknown> }> {
  const { root, tmp, janitor } = ctx;
  log("starting a zero-latency simulator");
  const sim = await spawnSimulator({ servedModel: SERVED_MODEL, zeroLatency: true, maxNumSeqs: 256 }, { waitReady: true, projectRoot: root });
  const simTracked = { label: "simulator", stop: () => sim.stop(), kill: () => void sim.kill("SIGKILL") };
  janitor.track(simTracked);
  const configFile = path.join(tmp, "switchyard.bench.yaml");
  writeFileSync(configFile, benchLabConfigYaml(sim.url, SERVED_MODEL));

  const phaseCtx = { root, sim, configFile, tmp, settings, janitor };
  const on = await runPhase("on", phaseCtx);
  const off = await runPhase("off", phaseCtx);
  await janitor.stop(simTracked);

  const figures = deriveFigures(on.results, off.results);
  const markdown = renderMarkdown(figures, {
    latencyRequests: settings.latency.requests,
    ttftRequests: settings.ttft.requests,
    seconds: settings.throughput.secondsPerTarget,
    rounds: settings.throughput.rounds,
    concurrency: settings.throughput.concurrency,
  });
  const profileMarkdown = settings.profile
    ? [
        "",
        "### CPU profiles of the app (--profile: every figure above is slowed by the profiler)",
        ...on.profiles.map((p) => renderCostDiffMarkdown("log on", p.costPerTarget, "noop", "gateway")),
        ...off.profiles.map((p) => renderCostDiffMarkdown("log off", p.costPerTarget, "noop", "gateway")),
        renderLogCostDiff(on.profiles, off.profiles),
        renderProfileMarkdown("log on", on.profiles.map((p) => p.summary)),
        renderProfileMarkdown("log off", off.profiles.map((p) => p.summary)),
      ].join("\n\n")
    : "";
  const report = [
    markdown,
    `\nRequest log rows written: log on ${on.logRows ?? "n/a"}, log off ${off.logRows ?? "n/a"}.`,
    ...(profileMarkdown ? [profileMarkdown] : []),
    figures.allTargetsMet ? "\nAll gateway targets met." : `\nGateway targets missed: ${figures.targets.filter((t) => !t.met).map((t) => t.name).join("; ")}.`,
  ].join("\n");
  const json = {
    targets: TARGETS,
    figures,
    requestLogRows: { logOn: on.logRows, logOff: off.logRows },
    raw: { logOn: on.results, logOff: off.results },
    profiles: settings.profile ? { logOn: on.profiles, logOff: off.profiles } : undefined,
  };
  return { report, json };
}

/** The overload section of results.json: settings, figures and every request's record. */
function overloadJson(run: OverloadRun, startedAt: Date): Record<string, unknown> {
  return { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), settings: run.settings, figures: run.figures, records: run.records };
}

/** With --overload-only, the sections of the last full run stay in results.json (an unreadable file is replaced). */
function previousResults(jsonFile: string): Record<string, unknown> {
  if (!existsSync(jsonFile)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(jsonFile, "utf8"));
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  if (settings === "help") {
    console.log(HELP);
    return;
  }
  const root = projectRoot();
  const { janitor, clearDeadline } = guardRun(RUN_DEADLINE_MS, log);

  const outDir = path.join(root, ".tmp", "bench");
  mkdirSync(outDir, { recursive: true });
  const jsonFile = path.join(outDir, "results.json");
  const tmp = mkdtempSync(path.join(os.tmpdir(), "switchyard-bench-"));
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  try {
    if (settings.build || !hasBuild(root)) {
      log("building the app (next build)");
      await buildApp(root, janitor);
    }

    const gateway = settings.overloadOnly ? null : await runGatewayBench(settings, { root, tmp, janitor });
    const overloadStartedAt = new Date();
    const overload = await runOverload(settings.overload, {
      root,
      tmp,
      janitor,
      log,
      startApp: (env) => startAppWithRetry(root, env, [], janitor),
    });
    await janitor.stopAll();

    const machine = {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg(),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    };
    const results = gateway
      ? { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine, settings, ...gateway.json, overload: overloadJson(overload, overloadStartedAt) }
      : { ...previousResults(jsonFile), overload: { ...overloadJson(overload, overloadStartedAt), machine } };
    writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);

    const load = (averages: number[]) => averages.map((l) => l.toFixed(2)).join(" ");
    const title = settings.overloadOnly ? "Switchyard overload benchmark" : "Switchyard gateway benchmark";
    console.log(`## ${title} (${startedAt.toISOString()}, ${machine.cpus} CPUs, load average ${load(loadAtStart)} at start, ${load(machine.loadAverageAtEnd)} at end)\n`);
    if (gateway) console.log(`${gateway.report}\n`);
    console.log(overload.markdown);
    console.log(`\nJSON: ${path.relative(process.cwd(), jsonFile)}`);
    const missed = overload.figures.targets.filter((t) => !t.met).map((t) => t.name);
    console.log(missed.length === 0 ? "Overload targets met." : `Overload targets missed: ${missed.join("; ")}.`);
  } finally {
    await janitor.stopAll();
    rmSync(tmp, { recursive: true, force: true });
    clearDeadline();
  }
}

main().catch((error: unknown) => {
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
