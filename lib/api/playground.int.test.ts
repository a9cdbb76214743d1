import { afterAll, beforeAll, expect, test } from "vitest";
import type { RequestLogPageJson, UsageReportJson } from "@/lib/api/requests";
import { startAppHarness, simulatedLabYaml, type AppHarness } from "@/lib/testing/app-harness";
import { waitUntil } from "@/lib/testing/wait";
import type { CreatedApiKey } from "./keys";
import type { PlaygroundModelsView } from "./playground";

/**
 * The console's playground and usage over real HTTP: the production factory with a password, `auth: keys`, real
 * simulator processes and a real SQLite file. A playground chat goes through the gateway as the console (no API
 * key), streams, is logged as the console's, and counts in the usage rollups beside the keys' requests.
 */

const PASSWORD = "correct horse battery staple";
let app: AppHarness;
let cookie: string;
let apiKey: CreatedApiKey;

beforeAll(async () => {
  app = await startAppHarness({
    // The 7B at 20 tok/s, so a long answer is still running when the test hangs up.
    yaml: (ports) => `${simulatedLabYaml(ports).replace("auth: open", "auth: keys").replace("tokensPerSecond: 100", "tokensPerSecond: 20")}energyPrice: { perKwh: 0.3, currency: EUR }\n`,
    adminSecrets: { password: PASSWORD, passwordParams: { N: 1024, r: 8, p: 1 } },
  });
  const login = await fetch(`${app.url}/api/auth/login`, { method: "POST", headers: { origin: app.url }, body: JSON.stringify({ password: PASSWORD }) });
  expect(login.status).toBe(200);
  cookie = login.headers.getSetCookie()[0]?.split(";")[0] ?? "";
  const created = await fetch(`${app.url}/api/keys`, { method: "POST", headers: { ...asConsole(), "content-type": "application/json" }, body: JSON.stringify({ name: "usage-bot" }) });
  apiKey = ((await created.json()) as { data: CreatedApiKey }).data;
  await waitUntil("the standard mode's backends to be ready", async () => (app.switchyard.health.isHealthy("qwen-7b") && app.switchyard.health.isHealthy("qwen-14b") ? true : undefined), 30_000);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const asConsole = () => ({ cookie, origin: app.url });
const chatBody = (extra: Record<string, unknown> = {}) => ({ model: "fast", messages: [{ role: "user", content: "Say something" }], max_tokens: 24, ...extra });

function playground(body: unknown, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  return fetch(`${app.url}/api/playground/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(init.headers ?? asConsole()) },
    body: JSON.stringify(body),
    signal: init.signal,
  });
}

async function getJson<T>(pathname: string): Promise<T> {
  const response = await fetch(`${app.url}${pathname}`, { headers: asConsole() });
  expect(response.status, pathname).toBe(200);
  return ((await response.json()) as { data: T }).data;
}

/** The request's row once it is written and finished (the log is written in batches). */
function finishedRow(logId: string) {
  return waitUntil(`request ${logId} in the log, finished`, async () => {
    const response = await fetch(`${app.url}/api/requests/${logId}`, { headers: asConsole() });
    if (!response.ok) return undefined;
    const row = ((await response.json()) as { data: RequestLogPageJson["rows"][number] }).data;
    return row.outcome === "open" ? undefined : row;
  });
}

/** The content of each SSE chunk as it arrives, and whether the stream ended with [DONE]. */
async function readChatStream(response: Response): Promise<{ deltas: string[]; done: boolean; usage: { completion_tokens: number } | null }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const deltas: string[] = [];
  let usage: { completion_tokens: number } | null = null;
  let buffer = "";
  let done = false;
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    buffer += value;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const data = buffer.slice(0, end).replace(/^data: ?/, "");
      buffer = buffer.slice(end + 2);
      if (data === "[DONE]") done = true;
      else if (data.startsWith("{")) {
        const chunk = JSON.parse(data) as { choices: { delta?: { content?: string } }[]; usage?: { completion_tokens: number } | null };
        const content = chunk.choices[0]?.delta?.content;
        if (content) deltas.push(content);
        if (chunk.usage) usage = chunk.usage;
      }
    }
  }
  return { deltas, done, usage };
}

test("without the console session the playground is refused (401) and nothing reaches the gateway", async () => {
  const before = (await getJson<RequestLogPageJson>("/api/requests?limit=500")).rows.length;
  const response = await playground(chatBody(), { headers: {} });
  expect(response.status).toBe(401);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  // An API key is no console session either.
  const withKey = await playground(chatBody(), { headers: { authorization: `Bearer ${apiKey.key}` } });
  expect(withKey.status).toBe(401);
  await app.switchyard.requestLog.flush();
  expect((await getJson<RequestLogPageJson>("/api/requests?limit=500")).rows.length).toBe(before);
});

test("a bad body is the API's 400 naming the field; an unknown model is the gateway's own 404, logged as the console's", async () => {
  const bad = await playground({ model: "fast", messages: [], temperature: 9 });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^messages|^temperature/);
  const unknown = await playground(chatBody({ model: "no-such-model" }));
  expect(unknown.status).toBe(404);
  expect(((await unknown.json()) as { error: { type: string; message: string } }).error.message).toContain("no-such-model");
  const row = await finishedRow(unknown.headers.get("x-switchyard-log-id")!);
  expect(row).toMatchObject({ status: 404, apiKeyId: "console", apiKeyName: "console playground" });
});

test("a playground chat streams through the gateway without an API key, says where it went, and is logged as the console's", async () => {
  const response = await playground(chatBody({ stream: true, stream_options: { include_usage: true } }));
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  expect(response.headers.get("x-switchyard-route")).toBe("fast");
  expect(response.headers.get("x-switchyard-backend")).toBe("qwen-7b");
  expect(response.headers.get("x-switchyard-route-reason")).toBeTruthy();
  const logId = response.headers.get("x-switchyard-log-id")!;
  const { deltas, done, usage } = await readChatStream(response);
  // Streamed, not buffered into one event: the text came in pieces, and usage at the end.
  expect(deltas.length).toBeGreaterThan(3);
  expect(done).toBe(true);
  // The simulator may end its answer before max_tokens (finish_reason "stop").
  expect(usage?.completion_tokens).toBeGreaterThan(0);
  expect(usage?.completion_tokens).toBeLessThanOrEqual(24);

  const row = await finishedRow(logId);
  expect(row).toMatchObject({
    outcome: "served",
    status: 200,
    stream: true,
    route: "fast",
    backend: "qwen-7b",
    apiKeyId: "console",
    apiKeyName: "console playground",
    requestedModel: "fast",
    completionTokens: usage?.completion_tokens,
  });
  expect(row.routeReason).toBe(response.headers.get("x-switchyard-route-reason"));
  // The log's key filter finds the console's requests.
  const consoleRows = (await getJson<RequestLogPageJson>("/api/requests?key=console&limit=500")).rows;
  expect(consoleRows.map((r) => String(r.id))).toContain(logId);
  expect(consoleRows.every((r) => r.apiKeyId === "console")).toBe(true);
});

/** switchyard_gateway_entries_total by its path label, as /metrics shows it (0 before the first one). */
async function gatewayEntries(): Promise<Record<string, number>> {
  const response = await fetch(`${app.url}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return Object.fromEntries([...text.matchAll(/^switchyard_gateway_entries_total\{path="([^"]+)"\} (\d+)$/gm)].map((match) => [match[1]!, Number(match[2])]));
}

test("playground chats count in switchyard_gateway_entries_total as path=playground; refused ones do not", async () => {
  const before = await gatewayEntries();
  const answered = await playground(chatBody({ stream: false }));
  expect(answered.status).toBe(200);
  await answered.json();
  const streamed = await playground(chatBody({ stream: true }));
  expect(streamed.status).toBe(200);
  await streamed.text();
  // Refused by the console API before the gateway: no session, a bad body.
  expect((await playground(chatBody(), { headers: {} })).status).toBe(401);
  expect((await playground({ model: "fast", messages: [] })).status).toBe(400);
  const after = await gatewayEntries();
  expect((after.playground ?? 0) - (before.playground ?? 0)).toBe(2);
  // Counted once, as the playground's: the API route is not a gateway route.
  expect((after.next ?? 0) - (before.next ?? 0)).toBe(0);
});

test("Stop (the browser hanging up) aborts the generation upstream: the row is a client abort and the backend is free", async () => {
  const abort = new AbortController();
  // 2,000 tokens (ignore_eos: no shorter natural end) at 20 tok/s would take 100 s.
  const response = await playground(chatBody({ max_tokens: 2_000, ignore_eos: true, stream: true }), { signal: abort.signal });
  expect(response.status).toBe(200);
  const logId = response.headers.get("x-switchyard-log-id")!;
  const reader = response.body!.getReader();
  await reader.read();
  await reader.read();
  const stoppedAt = Date.now();
  abort.abort();
  const row = await finishedRow(logId);
  expect(row.outcome).toBe("client_abort");
  expect(row.apiKeyId).toBe("console");
  await waitUntil("qwen-7b to have nothing in flight", async () => (app.switchyard.inFlight.inFlight("qwen-7b") === 0 ? true : undefined), 10_000);
  expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  expect(row.completionTokens ?? 0).toBeLessThan(2_000);
});

test("GET /api/playground/models lists the chat names (routes first) with the backend of the current mode, not the embedding model", async () => {
  const view = await getJson<PlaygroundModelsView>("/api/playground/models");
  expect(view.auth).toBe("keys");
  expect(view.mode).toBe("standard");
  const byId = Object.fromEntries(view.models.map((m) => [m.id, m]));
  expect(view.models.slice(0, 3).map((m) => m.id)).toEqual(["fast", "reasoning", "auto"]);
  expect(byId.fast).toEqual({ id: "fast", kind: "route", backend: "qwen-7b" });
  expect(byId.auto).toMatchObject({ kind: "auto", backend: "qwen-7b" });
  expect(byId["qwen2.5-32b-instruct-awq"]).toEqual({ id: "qwen2.5-32b-instruct-awq", kind: "model", backend: null });
  expect(byId["bge-small-en-v1.5"]).toBeUndefined();
});

test("usage by key counts the key's and the console's requests with their tokens, names both, and carries the energy price", async () => {
  const withKey = (model: string, maxTokens: number) =>
    fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "Count" }], max_tokens: maxTokens }),
    });
  const answers = [await withKey("fast", 5), await withKey("reasoning", 7), await withKey("no-such-model", 5)];
  expect(answers.map((a) => a.status)).toEqual([200, 200, 404]);
  const playgroundAnswer = await playground(chatBody({ max_tokens: 9, stream: false }));
  expect(playgroundAnswer.status).toBe(200);
  const logIds = [...answers, playgroundAnswer].map((a) => a.headers.get("x-switchyard-log-id")!);
  const [fastRow, reasoningRow] = [await finishedRow(logIds[0]!), await finishedRow(logIds[1]!)];
  for (const id of logIds.slice(2)) await finishedRow(id);

  const report = await getJson<UsageReportJson>("/api/usage?range=1h&groupBy=apiKeyId");
  const keyTotal = report.totals.find((t) => t.group === apiKey.apiKey.id);
  expect(keyTotal).toMatchObject({ requests: 3, status4xx: 1, status5xx: 0, completionTokens: fastRow.completionTokens! + reasoningRow.completionTokens! });
  expect(fastRow.completionTokens).toBeGreaterThan(0);
  const consoleTotal = report.totals.find((t) => t.group === "console");
  // The playground's requests of the tests above (a 404, a stream, the abort) and this one.
  const consoleRows = (await getJson<RequestLogPageJson>("/api/requests?key=console&limit=500")).rows;
  expect(consoleTotal?.requests).toBe(consoleRows.length);
  expect(consoleTotal?.completionTokens).toBe(consoleRows.reduce((sum, r) => sum + (r.completionTokens ?? 0), 0));
  expect(consoleTotal?.status4xx).toBe(1);
  expect(report.groupLabels).toEqual({ [apiKey.apiKey.id]: "usage-bot", console: "console playground" });
  expect(report.energyPrice).toEqual({ perKwh: 0.3, currency: "EUR" });
  // The series add up to the totals.
  const seriesRequests = report.series.filter((p) => p.group === "console").reduce((sum, p) => sum + p.requests, 0);
  expect(seriesRequests).toBe(consoleTotal?.requests);

  // By model: the key's two served models and its unknown one, each once.
  const byModel = await getJson<UsageReportJson>("/api/usage?range=1h&groupBy=requestedModel");
  expect(byModel.groupLabels).toEqual({});
  expect(byModel.totals.find((t) => t.group === "reasoning")).toMatchObject({ requests: 1, completionTokens: reasoningRow.completionTokens });
  expect(byModel.totals.find((t) => t.group === "no-such-model")?.requests).toBe(2);
});
