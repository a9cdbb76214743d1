import { afterAll, beforeAll, expect, test } from "vitest";
import type { RequestLogEntry } from "@/lib/request-log/record";
import { parseCsv } from "@/lib/security/test-support";
import { startAppHarness, type AppHarness } from "@/lib/testing/app-harness";

/** The request log through the admin API: exports of any size from one cursor, lookups by either id, usage from rollups. */
let app: AppHarness;
// Recent enough for every retention limit (start-up runs retention): bodies are kept 7 days.
const base = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
const ROWS = 4_500; // more than two of the reader's export chunks

beforeAll(async () => {
  app = await startAppHarness();
  const { requestLog } = app.switchyard;
  for (let i = 0; i < ROWS; i++) {
    const entry: RequestLogEntry = {
      id: requestLog.nextId(),
      clientRequestId: i % 1000 === 0 ? "shared-trace" : null,
      receivedAt: new Date(base + Math.floor(i / 3) * 1000), // ties: three rows a second
      method: "POST",
      endpoint: "/v1/chat/completions",
      requestedModel: i % 2 ? "fast" : "reasoning",
      route: i % 2 ? "fast" : "reasoning",
      backend: i % 2 ? "qwen-7b" : "qwen-14b",
      apiKeyId: `key-${i % 3}`,
      clientAddress: "10.0.0.9",
      stream: false,
      status: i % 10 === 0 ? 503 : 200,
      outcome: i % 10 === 0 ? "rejected" : "served",
      completionTokens: 10,
      ttftMs: 100 + (i % 50),
      durationMs: 400,
      energyWh: 0.001,
      userAgent: i === 7 ? '=HYPERLINK("x") "quoted", text' : "sdk",
      requestBody: i === 4_000 ? '{"messages":"captured"}' : null,
      responseBody: i === 4_000 ? "the answer" : null,
    };
    requestLog.record(entry);
  }
  await requestLog.flush();
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const get = (path: string) => fetch(`${app.url}${path}`);
const range = `from=${new Date(base).toISOString()}&to=${new Date(base + 86_400_000).toISOString()}`;

test("CSV export streams every matching row once, newest first, bodies never included", async () => {
  const response = await get(`/api/requests/export?format=csv&${range}`);
  expect(response.headers.get("content-type")).toContain("text/csv");
  const [header, ...rows] = parseCsv(await response.text());
  expect(header).toContain("id");
  expect(header).not.toContain("requestBody");
  const ids = rows.map((row) => Number(row[header!.indexOf("id")]));
  expect(ids).toHaveLength(ROWS);
  expect(ids).toEqual([...ids].sort((a, b) => b - a));
  expect(new Set(ids).size).toBe(ROWS);
  // A spreadsheet would run a leading "=": defused, and quotes and commas survive.
  expect(rows.find((row) => row[header!.indexOf("userAgent")]?.includes("HYPERLINK"))?.[header!.indexOf("userAgent")]).toBe(`'=HYPERLINK("x") "quoted", text`);
});

test("NDJSON export with filters: one JSON object a line, exactly the matching rows", async () => {
  const response = await get(`/api/requests/export?format=ndjson&${range}&status=5xx&backend=qwen-14b`);
  expect(response.headers.get("content-type")).toContain("application/x-ndjson");
  const lines = (await response.text()).trim().split("\n").map((line) => JSON.parse(line) as { id: number; status: number; backend: string });
  expect(lines).toHaveLength(ROWS / 10); // every tenth is a 503, and all of those are even: qwen-14b
  expect(lines.every((line) => line.status === 503 && line.backend === "qwen-14b")).toBe(true);
});

test("a request is found by Switchyard's id and by the client's x-request-id (the newest of several), with its bodies", async () => {
  const list = (await (await get(`/api/requests?requestId=shared-trace&limit=10`)).json()) as { data: { rows: { id: number }[] } };
  expect(list.data.rows).toHaveLength(5);
  const newest = list.data.rows[0]!.id;
  const byClientId = (await (await get(`/api/requests/shared-trace`)).json()) as { data: { id: number; requestBody: string | null; responseBody: string | null } };
  expect(byClientId.data.id).toBe(newest);
  expect(byClientId.data).toMatchObject({ requestBody: '{"messages":"captured"}', responseBody: "the answer" });
  const byId = (await (await get(`/api/requests/${newest}`)).json()) as { data: { id: number } };
  expect(byId.data.id).toBe(newest);
  expect((await get(`/api/requests/no-such-request`)).status).toBe(404);
});

test("usage totals and series come from the rollups and equal the rows", async () => {
  const response = await get(`/api/usage?${range}&groupBy=backend&bucketMinutes=60`);
  expect(response.status).toBe(200);
  const usage = ((await response.json()) as { data: { totals: { group: string; requests: number; status5xx: number; completionTokens: number; energyWh: number; ttftP50Ms: number; ttftP99Ms: number; ttftMaxMs: number; durationP99Ms: number; durationMaxMs: number }[]; series: { at: number; requests: number }[] } }).data;
  const byBackend = Object.fromEntries(usage.totals.map((total) => [total.group, total]));
  expect(byBackend["qwen-7b"]).toMatchObject({ requests: ROWS / 2, status5xx: 0, completionTokens: (ROWS / 2) * 10 });
  expect(byBackend["qwen-14b"]).toMatchObject({ requests: ROWS / 2, status5xx: ROWS / 10 });
  expect(byBackend["qwen-7b"]!.energyWh).toBeCloseTo((ROWS / 2) * 0.001, 6);
  // TTFTs of 100..149 ms all fall in one bucket (100-250): the median lies inside it.
  expect(byBackend["qwen-7b"]!.ttftP50Ms).toBeGreaterThan(100);
  expect(byBackend["qwen-7b"]!.ttftP50Ms).toBeLessThan(250);
  // Never above the slowest request: interpolation alone puts p99 at 248.5 ms of that bucket; the slowest took 149 ms.
  expect(byBackend["qwen-7b"]).toMatchObject({ ttftMaxMs: 149, ttftP99Ms: 149, durationMaxMs: 400, durationP99Ms: 400 });
  expect(usage.series.reduce((sum, point) => sum + point.requests, 0)).toBe(ROWS);
  expect(usage.series.every((point) => (point.at - base) % 3_600_000 === 0)).toBe(true);
});
