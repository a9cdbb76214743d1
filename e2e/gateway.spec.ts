import { expect, test, type APIRequestContext } from "@playwright/test";
import { simulatorPort } from "../playwright.config";

// API-level end-to-end checks against the built app (real Next.js routing, real simulator processes).
const simulatorOf = { "qwen-7b": `http://127.0.0.1:${simulatorPort(1)}` } as const;
const hello = [{ role: "user", content: "Hello from the end-to-end suite" }];

test("the lab comes up on the simulated backends and serves fast, reasoning and auto", async ({ request }) => {
  await expect.poll(async () => (await (await request.get("/readyz")).json()).backends, { timeout: 20_000 }).toEqual({
    "qwen-7b": "ready",
    "qwen-14b": "ready",
    embed: "ready",
  });
  for (const [model, backend] of [
    ["fast", "qwen-7b"],
    ["reasoning", "qwen-14b"],
    ["auto", "qwen-7b"],
  ]) {
    const response = await request.post("/v1/chat/completions", { data: { model, messages: hello, max_tokens: 8 } });
    expect(response.status()).toBe(200);
    expect(response.headers()["x-switchyard-backend"]).toBe(backend);
    const body = await response.json();
    expect(body.usage.completion_tokens).toBe(8);
  }
});

async function simState(backend: keyof typeof simulatorOf): Promise<{ running: number; totals: { finished: number; aborted: number }; aborts: SimAbort[] }> {
  return (await fetch(`${simulatorOf[backend]}/_sim/state`)).json();
}

interface SimAbort {
  xRequestId: string | null;
  at: number;
  tokensSent: number;
  wasRunning: boolean;
}

/** The token deltas (non-empty content, not the role header) and the closing [DONE] among the complete events of a chat stream read so far. */
function parseChatStream(text: string): { tokens: string[]; done: boolean } {
  const tokens: string[] = [];
  let done = false;
  const complete = text.slice(0, text.lastIndexOf("\n\n") + 1);
  for (const line of complete.split("\n")) {
    if (!line.startsWith("data: ")) continue;
    const data = line.slice("data: ".length);
    if (data === "[DONE]") {
      done = true;
      continue;
    }
    const delta = (JSON.parse(data) as { choices: { delta?: { role?: string; content?: string | null } }[] }).choices[0]?.delta;
    // vLLM closes with a chunk whose delta is {"content":""} and carries the finish reason: not a token.
    if (delta && delta.role === undefined && typeof delta.content === "string" && delta.content !== "") tokens.push(delta.content);
  }
  return { tokens, done };
}

test("a stream through the built app arrives in pieces, not buffered, and ends with [DONE]", async ({ baseURL }) => {
  const id = `e2e-stream-${Date.now()}`;
  const maxTokens = 200;
  const finishedBefore = (await simState("qwen-7b")).totals.finished;
  const response = await fetch(`${baseURL}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": id },
    body: JSON.stringify({ model: "fast", messages: hello, stream: true, max_tokens: maxTokens, ignore_eos: true }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const read = async () => {
    const { value, done } = await reader.read();
    if (!done) text += value;
    return !done;
  };
  // The first token reaches the client while the simulator is still generating the rest (200 tokens at 80 tokens/s:
  // about 2.5 s of work left): a relay that buffered the stream would send nothing before the simulator finished.
  while (parseChatStream(text).tokens.length === 0) expect(await read(), "the stream ended before its first token").toBe(true);
  expect(parseChatStream(text).done).toBe(false);
  expect((await simState("qwen-7b")).totals.finished, "the simulator has not finished the request yet").toBe(finishedBefore);
  // And the rest follows, every token once, then [DONE].
  while (await read());
  const { tokens, done } = parseChatStream(text);
  expect(tokens).toHaveLength(maxTokens);
  expect(done).toBe(true);
  expect(text.trim().endsWith("data: [DONE]")).toBe(true);
});

test("a client that disconnects mid-stream aborts the request at the simulator", async ({ baseURL }) => {
  const id = `e2e-abort-${Date.now()}`;
  const maxTokens = 400;
  const controller = new AbortController();
  const response = await fetch(`${baseURL}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": id },
    body: JSON.stringify({ model: "fast", messages: hello, stream: true, max_tokens: maxTokens, ignore_eos: true }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  await reader.read();
  await reader.read();
  const abortedAt = Date.now();
  controller.abort();
  // The simulator records the hang-up (not a completion) of this very request, cut short while it generated: the
  // gateway passed the client's disconnect on. (How fast it does is measured in lib/gateway/gateway.int.test.ts.)
  let abort: SimAbort | undefined;
  await expect
    .poll(
      async () => {
        abort = (await simState("qwen-7b")).aborts.find((a) => a.xRequestId === id);
        return abort !== undefined;
      },
      { timeout: 10_000, message: `the simulator saw ${id} aborted` },
    )
    .toBe(true);
  expect(abort!.at).toBeGreaterThanOrEqual(abortedAt);
  expect(abort!.wasRunning).toBe(true);
  expect(abort!.tokensSent).toBeLessThan(maxTokens);
});

test("bad input gets an OpenAI-shaped 4xx", async ({ request }) => {
  const unknown = await request.post("/v1/chat/completions", { data: { model: "nope", messages: hello } });
  expect(unknown.status()).toBe(404);
  expect((await unknown.json()).error.message).toContain("Available models: fast, reasoning, auto");
  const route = await request.get("/v1/does-not-exist");
  expect(route.status()).toBe(404);
  expect((await route.json()).error.type).toBe("invalid_request_error");
});

test("lab errors keep their status through Next's separately bundled routes (404 and 400, not 500)", async ({ request }) => {
  expect((await request.post("/api/modes/turbo/activate")).status()).toBe(404);
  expect((await request.post("/api/backends/nope/restart")).status()).toBe(404);
  expect((await request.post("/api/backends/qwen-32b/restart")).status()).toBe(400);
  expect((await request.get("/api/modes/switches?cursor=garbage")).status()).toBe(400);
});

/** switchyard_gateway_entries_total{path=...}: how gateway requests reached the gateway. */
async function gatewayEntries(request: APIRequestContext): Promise<{ fast: number; next: number }> {
  const text = await (await request.get("/metrics")).text();
  const read = (path: string) => Number(new RegExp(`^switchyard_gateway_entries_total\\{path="${path}"\\} (\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { fast: read("fast_path"), next: read("next") };
}

test("under npm start the hot paths skip Next: chat and tokenize enter through the server's fast path", async ({ request }) => {
  const before = await gatewayEntries(request);
  expect((await request.post("/v1/chat/completions", { data: { model: "fast", messages: hello, max_tokens: 2 } })).status()).toBe(200);
  expect((await request.post("/tokenize", { data: { model: "fast", prompt: "hello" } })).status()).toBe(200);
  const after = await gatewayEntries(request);
  expect(after.fast - before.fast).toBe(2);
  expect(after.next - before.next).toBe(0);
  // /v1/models is not a hot path: Next serves it, through the same gateway.
  expect((await request.get("/v1/models")).status()).toBe(200);
  expect((await gatewayEntries(request)).next - after.next).toBe(1);
});

test("one set of response rules on both paths: the same security headers, the same OPTIONS answer", async ({ request }) => {
  const fast = await request.post("/v1/chat/completions", { data: { model: "fast", messages: hello, max_tokens: 2 } });
  const viaNext = await request.get("/v1/models");
  for (const name of ["content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"]) {
    expect(fast.headers()[name], name).toBeTruthy();
    expect(fast.headers()[name], name).toBe(viaNext.headers()[name]);
  }
  const optionsFast = await request.fetch("/v1/chat/completions", { method: "OPTIONS" });
  const optionsNext = await request.fetch("/v1/models", { method: "OPTIONS" });
  expect(optionsFast.status()).toBe(optionsNext.status());
  expect(optionsFast.status()).toBeLessThan(300);
});

/** A request with a Host header of our choosing (fetch always sends its own). */
async function sendWithHost(baseURL: string, options: { host: string; method: string; path: string; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const { port } = new URL(baseURL);
  const http = await import("node:http");
  return new Promise((resolve, reject) => {
    const headers = { host: options.host, ...(options.body ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(options.body)) } : {}) };
    const req = http.request({ host: "127.0.0.1", port: Number(port), path: options.path, method: options.method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

test("a Host header that is no host name is a 400 from the gateway, with its log row", async ({ baseURL }) => {
  const body = JSON.stringify({ model: "fast", messages: hello, max_tokens: 2 });
  const answer = await sendWithHost(baseURL!, { host: "bad host", method: "POST", path: "/v1/chat/completions", body });
  expect(answer.status).toBe(400);
  expect(JSON.parse(answer.text).error).toMatchObject({ type: "invalid_request_error", message: expect.stringContaining("Host header") });
  const logId = Number(answer.headers["x-switchyard-log-id"]);
  expect(logId).toBeGreaterThan(0);
  await expect.poll(async () => (await (await fetch(`${baseURL}/api/requests/${logId}`)).json()).data?.status ?? null).toBe(400);
});

test("DNS rebinding: pages and /api refuse a foreign Host with 421 under npm start; /v1 and health checks answer any name", async ({ baseURL }) => {
  const evil = "evil.example";
  for (const [method, path] of [
    ["GET", "/"],
    ["GET", "/requests"],
    ["GET", "/api/status"],
    ["POST", "/api/keys"],
  ] as const) {
    const answer = await sendWithHost(baseURL!, { host: evil, method, path, body: method === "POST" ? JSON.stringify({ name: "rebound" }) : undefined });
    expect({ path, status: answer.status }).toEqual({ path, status: 421 });
    expect(JSON.parse(answer.text).error.code).toBe("misdirected");
    expect(answer.headers["x-frame-options"]).toBe("DENY");
  }
  const chat = await sendWithHost(baseURL!, { host: evil, method: "POST", path: "/v1/chat/completions", body: JSON.stringify({ model: "fast", messages: hello, max_tokens: 2 }) });
  expect(chat.status).toBe(200);
  for (const path of ["/v1/models", "/readyz", "/metrics"]) expect((await sendWithHost(baseURL!, { host: evil, method: "GET", path })).status, path).toBe(200);
  // The lab's own names still open the console.
  expect((await sendWithHost(baseURL!, { host: `localhost:${new URL(baseURL!).port}`, method: "GET", path: "/api/status" })).status).toBe(200);
});
