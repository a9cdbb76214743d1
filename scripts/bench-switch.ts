/**
 * The mode-switch benchmark: `npm run bench:switch`. The simulated lab with load and wake times scaled from the real
 * lab's (scripts/bench/switch/lab.ts), switched standard -> deep -> standard -> deep -> standard twice: once with the
 * engines stopped and cold-started, once with them put to sleep and woken (`sleep: { level: 1 }`). Closed-loop
 * clients keep asking across every switch. Prints markdown and writes `.tmp/bench/switch.json`; both runs are in
 * the same process, one after the other, so their ratio is what to read.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startAppHarness } from "@/lib/testing/app-harness";
import { waitFor, waitUntil } from "@/lib/testing/wait";
import { startClientStream, type ClientSpec } from "./bench/switch/clients";
import { SCALE, switchLabYaml } from "./bench/switch/lab";
import { renderSwitchMarkdown, summarizeSwitchRun, type RunFigures, type StepRecord, type SwitchRecord } from "./bench/switch/report";
import { guardRun } from "./bench/janitor";

const SEQUENCE = ["deep", "standard", "deep", "standard"] as const;
const CLIENTS: ClientSpec[] = [
  { name: "chat-1", model: "fast", stream: true },
  { name: "chat-2", model: "fast", stream: true },
  { name: "editor", model: "reasoning", stream: true },
  { name: "script", model: "fast", stream: false },
];
const SETTLE_MS = 2000;
const RUN_DEADLINE_MS = 10 * 60_000;

const log = (message: string) => process.stderr.write(`[bench:switch] ${message}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface OperationJson {
  status: string;
  durationMs: number | null;
  steps: StepRecord[];
}

async function api<T>(base: string, pathname: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${base}${pathname}`, init);
  const body = (await response.json()) as { data?: T; error?: { message: string } };
  if (!response.ok || body.data === undefined) throw new Error(`${pathname}: ${response.status} ${body.error?.message ?? ""}`);
  return body.data;
}

async function switchTo(base: string, from: string, to: string, now: () => number): Promise<SwitchRecord> {
  const requestedAt = now();
  const started = await api<{ status: string; operationId?: string }>(base, `/api/modes/${to}/activate`, { method: "POST" });
  if (!started.operationId) throw new Error(`switch to ${to}: ${started.status}`);
  const done = await waitUntil(`the switch to ${to}`, async () => {
    const operation = await api<OperationJson>(base, `/api/modes/switches/${started.operationId}`);
    return operation.status === "running" ? undefined : operation;
  }, 120_000, 50);
  return { from, to, requestedAt, endedAt: now(), status: done.status, durationMs: done.durationMs ?? 0, steps: done.steps };
}

async function runLab(label: string, withSleep: boolean): Promise<RunFigures> {
  log(`${label}: starting the simulated lab`);
  const app = await startAppHarness({ yaml: (ports) => switchLabYaml(ports, withSleep) });
  try {
    await waitFor(async () => {
      const response = await fetch(`${app.url}/readyz?strict=1`);
      await response.body?.cancel();
      return response.ok;
    }, "the standard mode's engines", 60_000);
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const clients = startClientStream(app.url, CLIENTS, { pauseMs: 100, now });
    await pause(SETTLE_MS);
    const switches: SwitchRecord[] = [];
    let current = "standard";
    for (const to of SEQUENCE) {
      log(`${label}: ${current} -> ${to}`);
      switches.push(await switchTo(app.url, current, to, now));
      current = to;
      await pause(SETTLE_MS);
    }
    return summarizeSwitchRun(label, switches, await clients.stop());
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  // The simulators exit with this process (lib/sim/spawn.ts), so the deadline is the only guard needed.
  const { clearDeadline } = guardRun(RUN_DEADLINE_MS, log);
  try {
    const runs = [await runLab("cold", false), await runLab("sleep", true)];
    const markdown = renderSwitchMarkdown(runs, SCALE);
    const outDir = path.join(process.cwd(), ".tmp", "bench");
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, "switch.json"), `${JSON.stringify({ scale: SCALE, runs }, null, 2)}\n`);
    process.stdout.write(`${markdown}\n`);
  } finally {
    clearDeadline();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log((error as Error).stack ?? String(error));
    process.exit(1);
  },
);
