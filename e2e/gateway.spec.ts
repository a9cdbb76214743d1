import { expect, test } from "@playwright/test";

// API-level end-to-end checks against the built app (real Next.js routing, real simulator processes).
const simulatorOf = { "qwen-7b": "http://127.0.0.1:28001" } as const;
const hello = [{ role: "user", content: "Hello from the end-to-end suite" }];

test("the lab comes up on the simulated backends and serves fast, reasoning and auto", async ({ request }) => {
  await expect.poll(async () => (await (await request.get("/readyz")).json()).backends, { timeout: 20_000 }).toEqual({
    "qwen-7b": "ready",
    "qwen-14b": "ready",
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

test("a stream through the built app arrives in pieces, not buffered, and ends with [DONE]", async ({ baseURL }) => {
  const response = await fetch(`${baseURL}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "fast", messages: hello, stream: true, max_tokens: 40 }),
  });
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = response.body!.getReader();
  const arrivals: number[] = [];
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    arrivals.push(Date.now());
    text += new TextDecoder().decode(value);
  }
  // 40 tokens at 80 tokens/s take about half a second: an unbuffered relay delivers them over that time.
  expect(arrivals.length).toBeGreaterThan(5);
  expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(200);
  expect(text.trim().endsWith("data: [DONE]")).toBe(true);
});

test("a client that disconnects mid-stream aborts the request at the simulator", async ({ baseURL }) => {
  const id = `e2e-abort-${Date.now()}`;
  const controller = new AbortController();
  const response = await fetch(`${baseURL}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": id },
    body: JSON.stringify({ model: "fast", messages: hello, stream: true, max_tokens: 400 }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  await reader.read();
  await reader.read();
  const abortedAt = Date.now();
  controller.abort();
  await expect
    .poll(async () => {
      const state = await (await fetch(`${simulatorOf["qwen-7b"]}/_sim/state`)).json();
      const abort = state.aborts.find((a: { xRequestId: string }) => a.xRequestId === id);
      return abort ? abort.at - abortedAt : null;
    })
    .toBeLessThan(100);
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
