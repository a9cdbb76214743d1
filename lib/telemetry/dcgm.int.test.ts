import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, test } from "vitest";
import { createDcgmCollector } from "./dcgm";
import type { Collector, CollectorStatus, GpuSample } from "./types";

const SCRAPE = readFileSync(new URL("./fixtures/dcgm-exporter__2x-rtx-3090__metrics.txt", import.meta.url), "utf8");

let server: Server | null = null;
let collector: Collector | null = null;

afterEach(async () => {
  await collector?.stop();
  collector = null;
  await closeServer();
});

function closeServer(): Promise<void> {
  const current = server;
  server = null;
  if (!current) return Promise.resolve();
  current.closeAllConnections();
  return new Promise((resolve) => current.close(() => resolve()));
}

function listen(port: number, handler: Parameters<typeof createServer>[1]): Promise<number> {
  const next = createServer(handler);
  server = next;
  return new Promise((resolve, reject) => {
    next.once("error", reject);
    next.listen(port, "127.0.0.1", () => resolve((next.address() as AddressInfo).port));
  });
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("an exporter that is down, then up, then failing: statuses follow, samples flow while it answers", async () => {
  // Find a free port, then leave it closed: the exporter is "not started yet".
  const port = await listen(0, () => undefined);
  await closeServer();

  const ticks: GpuSample[][] = [];
  const statuses: CollectorStatus[] = [];
  collector = createDcgmCollector({
    url: `http://127.0.0.1:${port}/metrics`,
    intervalMs: 100,
    onSample: (tick) => ticks.push(tick),
    onStatus: (status) => statuses.push(status),
  });

  await waitFor("connection refused", () => statuses.length > 0);
  expect(statuses[0]).toMatchObject({ state: "unavailable", reason: expect.stringContaining("ECONNREFUSED") });

  let failing = false;
  await listen(port, (request, response) => {
    if (failing) {
      response.writeHead(503).end("exporter restarting");
      return;
    }
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(SCRAPE);
  });
  await waitFor("samples", () => ticks.length >= 2);
  expect(statuses.at(-1)).toEqual({ state: "running" });
  expect(ticks[0]?.map((sample) => [sample.index, sample.memoryTotalMiB])).toEqual([
    [0, 24576],
    [1, 24576],
  ]);

  failing = true;
  await waitFor("the 503 to be reported", () => statuses.at(-1)?.state === "unavailable");
  expect(statuses.at(-1)).toMatchObject({ reason: `HTTP 503 from http://127.0.0.1:${port}/metrics` });
  // reported once per change, not on every poll
  const count = statuses.length;
  await new Promise((resolve) => setTimeout(resolve, 350));
  expect(statuses.length).toBe(count);
});
