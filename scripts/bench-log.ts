/**
 * The request-log benchmark: `npm run bench:log [-- --rows N] [-- --fresh] [-- --build] [-- --quick]`.
 * Builds (or reuses) a database of N synthetic requests over 30 days, starts the built app on it as `npm start`
 * does, and times what the console does with the log (pages and every filter, a page 1,000 deep, details, the
 * overview, usage charts, a day's CSV), the app's start-up, the gateway's added latency and event-loop delay with
 * the console idle and busy, and a retention pass. Prints one table and writes .tmp/bench-log/results.json.
 * Targets are absolute (ms, rows/s): on a shared machine, read them with the load average printed beside them.
 * See scripts/bench/log/README.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildApp, hasBuild } from "./bench/build";
import { guardRun } from "./bench/janitor";
import { ApiClient } from "./bench/log/api-client";
import { measureDeepPage, measureDetails, measureLists, measureOverview, measureSearchWithoutMatch, measureUsage } from "./bench/log/console-measures";
import { databaseBytes, ensureDataset, removeBenchTraffic, retentionPendingMarker } from "./bench/log/dataset-cache";
import { measureExport } from "./bench/log/export-measure";
import { measureGatewayUnderConsole } from "./bench/log/gateway-under-console";
import { GATEWAY_MODEL, logBenchConfigYaml, SERVED_MODEL, startApp, startSimulator, writeConfig, type StartedApp } from "./bench/log/log-lab";
import { HELP, parseOptions } from "./bench/log/options";
import { readProbes } from "./bench/log/probes";
import { buildRows, renderTable, type LogBenchResults } from "./bench/log/report";
import { measureRetention } from "./bench/log/retention-measure";

const DAYS = 30;
const SEED = 20261206;
const RUN_DEADLINE_MS = 4 * 60 * 60_000;

function log(message: string): void {
  process.stderr.write(`[bench:log ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === "help") {
    console.log(HELP);
    return;
  }
  const root = process.cwd();
  const { janitor, clearDeadline } = guardRun(RUN_DEADLINE_MS, log);
  const outDir = path.join(root, ".tmp", "bench-log");
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), "switchyard-bench-log-"));
  const startedAt = new Date();
  const loadAtStart = os.loadavg();
  try {
    const dataset = ensureDataset({ root, params: { rows: options.rows, days: DAYS, seed: SEED }, fresh: options.fresh, log });
    const { file, meta } = dataset;
    const leftovers = removeBenchTraffic(file, meta);
    if (leftovers > 0) log(`removed ${leftovers} rows an earlier run's gateway traffic added`);
    const sizeBefore = databaseBytes(file);
    log(`database ${gib(sizeBefore.main)} (+ WAL ${gib(sizeBefore.wal)}), ${os.freemem() > sizeBefore.main ? "fits" : "does not fit"} in free memory (${gib(os.freemem())})`);
    const probes = readProbes(file, meta);

    if (options.build || !hasBuild(root)) {
      log("building the app (next build)");
      await buildApp(root, janitor);
    }
    const sim = await startSimulator(root, janitor);
    const env = { SWITCHYARD_CONFIG: writeConfig(tmp, logBenchConfigYaml(root, sim.url)), SWITCHYARD_DB: file, SWITCHYARD_REQUEST_LOG: "on" };

    // The same starts on an empty database first: what the app's start costs without the log.
    const startup = { readyMs: [] as number[], firstPageMs: [] as number[], emptyReadyMs: [] as number[], emptyFirstPageMs: [] as number[] };
    for (let i = 0; i < options.starts; i++) {
      const empty = await startApp(root, { ...env, SWITCHYARD_DB: path.join(tmp, "empty.db") }, janitor);
      startup.emptyReadyMs.push(empty.readyMs);
      startup.emptyFirstPageMs.push(empty.firstPageMs);
      await janitor.stop(empty.app);
      log(`start ${i + 1}/${options.starts} on an empty database: ready in ${empty.readyMs.toFixed(0)} ms`);
    }
    let running: StartedApp | null = null;
    for (let i = 0; i < options.starts; i++) {
      if (running) await janitor.stop(running.app);
      running = await startApp(root, env, janitor);
      startup.readyMs.push(running.readyMs);
      startup.firstPageMs.push(running.firstPageMs);
      log(`start ${i + 1}/${options.starts} on ${options.rows.toLocaleString("en")} rows: ready in ${running.readyMs.toFixed(0)} ms, first page at ${running.firstPageMs.toFixed(0)} ms`);
    }
    const app = running!.app;
    const api = new ApiClient(app.url);
    let results: LogBenchResults;
    try {
      log("console: list pages and filters");
      const lists = await measureLists(api, probes, options.samples, log);
      log("console: a page 1,000 pages deep");
      const deepAll = await measureDeepPage(api, "", {}, options.samples);
      const deepKey = await measureDeepPage(api, ", filter key", { key: probes.keyIds[0]! }, options.samples);
      lists.push(deepAll.deep, deepKey.deep, { ...deepAll.walk, informational: true });
      log("console: details, overview, usage");
      const detail = await measureDetails(api, probes, options.samples);
      const overview = await measureOverview(api, probes, options.samples);
      const usage = await measureUsage(api, probes, options.samples);
      log("console: CSV export of one day");
      const exported = await measureExport(api, meta.endMs, 3);
      log(`export: ${Math.round(exported.rowsPerSecond).toLocaleString("en")} rows/s`);
      lists.push(await measureSearchWithoutMatch(api));
      log("gateway at concurrency 1, console idle vs paging and exporting");
      const gateway = await measureGatewayUnderConsole({
        appUrl: app.url,
        direct: { origin: sim.url, model: SERVED_MODEL },
        gatewayModel: GATEWAY_MODEL,
        endMs: meta.endMs,
        blocks: options.gatewayBlocks,
        requestsPerBlock: options.gatewayRequests,
        log,
      });
      results = { lists, detail, overview, usage, export: exported, startup, gateway, retention: null };
    } finally {
      await api.close();
      await janitor.stopAll();
    }

    if (options.retention) {
      const marker = retentionPendingMarker(file);
      writeFileSync(marker, "a retention pass deleted rows that are not restored yet\n");
      removeBenchTraffic(file, meta);
      results.retention = await measureRetention(file, meta, log);
      rmSync(marker, { force: true });
    }

    const size = databaseBytes(file);
    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGiB: os.totalmem() / 1024 ** 3, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg() };
    const rows = buildRows(results);
    const json = { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine, options, dataset: { ...meta, file: path.relative(root, file), reused: dataset.reused, bytes: size }, table: rows, results };
    const jsonFile = path.join(outDir, "results.json");
    writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);

    const load = (averages: number[]) => averages.map((l) => l.toFixed(2)).join(" ");
    console.log(`## Switchyard request-log benchmark (${startedAt.toISOString()}, ${machine.cpus} CPUs shared, load average ${load(loadAtStart)} at start, ${load(machine.loadAverageAtEnd)} at end)\n`);
    console.log(
      `Database: ${meta.params.rows.toLocaleString("en")} rows over ${meta.params.days} days, ${meta.load.bodies.toLocaleString("en")} with captured bodies, ` +
        `${meta.load.rollups.toLocaleString("en")} rollup rows; ${gib(size.main)} (+ WAL ${gib(size.wal)}); ` +
        `${dataset.reused ? `reused (generated in ${meta.generationSeconds.toFixed(0)} s on ${meta.createdAt})` : `generated in ${meta.generationSeconds.toFixed(0)} s`} ` +
        `(inserts ${meta.load.insertSeconds.toFixed(0)} s, index builds ${meta.load.indexSeconds.toFixed(0)} s).\n`,
    );
    console.log(renderTable(rows));
    const busy = results.gateway.busy.console;
    console.log(`\nWhile busy, the console client fetched ${busy.pages.toLocaleString("en")} pages and exported ${busy.exportRows.toLocaleString("en")} rows (${busy.errors} errors).`);
    const missed = rows.filter((row) => row.met === false).map((row) => row.measure);
    console.log(missed.length === 0 ? "\nAll targets met." : `\nTargets missed: ${missed.join("; ")}.`);
    console.log(`\nJSON: ${path.relative(root, jsonFile)}`);
  } finally {
    await janitor.stopAll();
    rmSync(tmp, { recursive: true, force: true });
    clearDeadline();
  }
}

main().catch((error: unknown) => {
  console.error(`[bench:log] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
