import { afterAll, beforeAll, expect, test } from "vitest";
import { startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { integrateEnergyWh } from "./service-energy";

/**
 * Per-request energy adds up: on the simulated lab (simulated GPUs whose power follows the requests in flight,
 * telemetry every 250 ms), a burst of concurrent requests is logged, and the energy of their rows plus the GPUs'
 * idle energy equals what the GPUs drew over the same window. Charging every request the GPUs' whole energy over
 * its duration would count the same joules once per concurrent request.
 */
let app: AppHarness;
const INTERVAL_MS = 250;

beforeAll(async () => {
  app = await startAppHarness();
  await waitFor(async () => {
    const ready = (await (await fetch(`${app.url}/readyz`)).json()) as { backends: Record<string, string> };
    return ready.backends["qwen-7b"] === "ready" && ready.backends["qwen-14b"] === "ready";
  }, 20_000);
  await waitFor(() => app.switchyard.telemetry.latestGpus().length === 2, 5_000);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function chat(model: string, maxTokens: number, stream: boolean): Promise<number> {
  const response = await fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream, max_tokens: maxTokens, ignore_eos: true, messages: [{ role: "user", content: "count" }] }),
  });
  await response.text();
  expect(response.status).toBe(200);
  return Number(response.headers.get("x-switchyard-log-id"));
}

/** The GPUs' energy over [from, to] from their power readings, independently of the request log. */
function measuredWh(from: number, to: number): number {
  let total = 0;
  for (const gpu of [0, 1]) {
    const wh = integrateEnergyWh(app.switchyard.telemetry.gpuHistory(gpu, from - 5_000), from, to, { intervalMs: INTERVAL_MS, maxGapMs: 5_000 });
    if (wh === null) throw new Error(`GPU ${gpu} has no power readings for the window`);
    total += wh;
  }
  return total;
}

interface Row {
  id: number;
  backend: string | null;
  receivedAt: Date;
  finishedAt: Date | null;
  outcome: string;
  energyWh: number | null;
}

/** Runs the requests at once, waits for their rows to be settled, and returns the window's energy accounts. */
async function burst(requests: (() => Promise<number>)[]) {
  const telemetry = app.switchyard.telemetry;
  const before = telemetry.energyTotals();
  const windowStart = before.upToMs;
  if (windowStart === null) throw new Error("no GPU readings yet");

  const ids = await Promise.all(requests.map((request) => request()));

  // Every row written final, its energy settled at the reading after the request ended.
  let rows: Row[] = [];
  await waitFor(async () => {
    await app.switchyard.requestLog.flush();
    rows = (await app.switchyard.db.requestLog.findMany({ where: { id: { in: ids } } })) as Row[];
    return rows.length === ids.length && rows.every((row) => row.outcome === "served" && row.energyWh !== null);
  }, 10_000);
  const after = telemetry.energyTotals();
  const windowEnd = after.upToMs!;

  const rowsWh = rows.reduce((sum, row) => sum + (row.energyWh ?? 0), 0);
  const idleWh = after.idleWh - before.idleWh;
  const ledgerMeasuredWh = after.measuredWh - before.measuredWh;
  const gpuWh = measuredWh(windowStart, windowEnd);
  // What charging each request its GPUs' whole energy over its duration would give.
  const unsharedWh = rows.reduce((sum, row) => {
    const gpus = app.switchyard.config().backends[row.backend ?? ""]?.gpus ?? [];
    return sum + (telemetry.energyWh(gpus, row.receivedAt.getTime(), row.finishedAt!.getTime()) ?? 0);
  }, 0);
  console.log(
    `[energy] ${rows.length} requests, window ${windowEnd - windowStart} ms: rows ${rowsWh.toFixed(5)} Wh + idle ${idleWh.toFixed(5)} Wh = ${(rowsWh + idleWh).toFixed(5)} Wh; ` +
      `GPUs measured ${gpuWh.toFixed(5)} Wh (ledger ${ledgerMeasuredWh.toFixed(5)} Wh); unshared per-request sum ${unsharedWh.toFixed(5)} Wh`,
  );
  return { rows, rowsWh, idleWh, ledgerMeasuredWh, gpuWh, unsharedWh };
}

function expectItAddsUp(energy: Awaited<ReturnType<typeof burst>>): void {
  const { rows, rowsWh, idleWh, ledgerMeasuredWh, gpuWh, unsharedWh } = energy;
  expect(rows.every((row) => (row.energyWh ?? 0) > 0)).toBe(true);
  // The rows never hold more than the GPUs drew...
  expect(rowsWh).toBeLessThan(gpuWh);
  // ...and with the idle energy they account for all of it, within 3 %.
  expect(Math.abs(rowsWh + idleWh - gpuWh) / gpuWh).toBeLessThan(0.03);
  expect(Math.abs(ledgerMeasuredWh - gpuWh) / gpuWh).toBeLessThan(0.03);
  // The burst kept the GPUs busy: most of the window's energy went to requests.
  expect(rowsWh).toBeGreaterThan(idleWh);
  // Without sharing, the same joules would be counted once per concurrent request.
  expect(unsharedWh).toBeGreaterThan(4 * rowsWh);
}

test("a burst of concurrent requests on both GPUs: the rows' energy plus idle energy equals the GPUs' measured energy", async () => {
  // 12 streams on the 7B (GPU 0) and 8 whole answers from the 14B (GPU 1), ending at different times between ticks.
  expectItAddsUp(
    await burst([
      ...Array.from({ length: 12 }, (_, i) => () => chat("fast", 40 + 9 * i, true)),
      ...Array.from({ length: 8 }, (_, i) => () => chat("reasoning", 30 + 11 * i, false)),
    ]),
  );
}, 60_000);

test("requests on the 32B spanning both GPUs take their share of each", async () => {
  const result = app.switchyard.controller.activateMode("deep", "test");
  if (result.status !== "already_active") await app.switchyard.controller.waitForOperation(60_000);
  expect(app.switchyard.controller.currentMode()).toBe("deep");
  await waitFor(async () => {
    const ready = (await (await fetch(`${app.url}/readyz`)).json()) as { backends: Record<string, string> };
    return ready.backends["qwen-32b"] === "ready";
  }, 20_000);

  const energy = await burst(Array.from({ length: 10 }, (_, i) => () => chat("fast", 30 + 7 * i, i % 2 === 0)));
  expect(energy.rows.every((row) => row.backend === "qwen-32b")).toBe(true);
  expectItAddsUp(energy);
}, 90_000);
