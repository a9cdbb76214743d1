import { expect, test } from "@playwright/test";
import { loggedRequest } from "./support/lab";

// A web app on another origin (a browser SDK, Open WebUI's direct connections) calling the lab from Chromium: /v1
// answers it like vLLM does (any origin, no credentials), with a real preflight for the JSON POST with a key;
// the console's /api never lets another origin read it.
//
// Chromium's Local Network Access lets a public site reach a loopback or LAN address only from a secure context and
// once the user allowed it (a permission prompt): so the client is an https origin, and the test grants that permission
// as the user would. Without it every call fails before CORS is even consulted.

const CLIENT_ORIGIN = "https://client.example";
const CLIENT_PAGE = "<!doctype html><html><head><title>A browser client</title></head><body><h1>client.example</h1></body></html>";

/** What the browser said on the page's console (CORS refusals are explained there, not to the page). */
let consoleLines: string[] = [];

test.beforeEach(async ({ page }) => {
  await page.context().grantPermissions(["local-network-access"], { origin: CLIENT_ORIGIN });
  consoleLines = [];
  page.on("console", (message) => consoleLines.push(message.text()));
  // The foreign page comes from Playwright, not from a server: only its origin matters.
  await page.route(`${CLIENT_ORIGIN}/**`, (route) => route.fulfill({ status: 200, contentType: "text/html", body: CLIENT_PAGE }));
});

test("a page on another origin calls /v1 with a preflight and reads the answer, streamed or not, and the errors", async ({ page, request, baseURL }) => {
  // Preflights are the browser's own requests: the DevTools protocol shows them.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const preflights: { url: string; method: string; requestHeaders: string | undefined }[] = [];
  cdp.on("Network.requestWillBeSent", (event) => {
    if (event.type === "Preflight" || event.request.method === "OPTIONS") {
      const headers = event.request.headers as Record<string, string>;
      preflights.push({ url: event.request.url, method: event.request.method, requestHeaders: headers["Access-Control-Request-Headers"] ?? headers["access-control-request-headers"] });
    }
  });

  await page.goto(`${CLIENT_ORIGIN}/`);
  expect(await page.evaluate(() => window.location.origin)).toBe(CLIENT_ORIGIN);

  const answer = await page.evaluate(async (lab) => {
    const response = await fetch(`${lab}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer x" },
      body: JSON.stringify({ model: "fast", messages: [{ role: "user", content: "Hello from a browser" }], max_tokens: 8 }),
    });
    const body = (await response.json()) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
    return {
      status: response.status,
      content: body.choices[0]?.message.content ?? "",
      completionTokens: body.usage.completion_tokens,
      // Readable only because the gateway exposes them to other origins.
      logId: response.headers.get("x-switchyard-log-id"),
      backend: response.headers.get("x-switchyard-backend"),
    };
  }, baseURL!);
  expect(answer.status).toBe(200);
  expect(answer.content.length).toBeGreaterThan(0);
  expect(answer.completionTokens).toBe(8);
  expect(answer.backend).toBe("qwen-7b");
  expect(await loggedRequest(request, Number(answer.logId))).toMatchObject({ outcome: "served", backend: "qwen-7b", requestedModel: "fast" });
  await expect.poll(() => preflights.filter((p) => p.url === `${baseURL}/v1/chat/completions`).length).toBeGreaterThan(0);
  expect(preflights.find((p) => p.url === `${baseURL}/v1/chat/completions`)?.requestHeaders).toMatch(/authorization/i);

  // A stream, read event by event in the page as a browser SDK does.
  const streamed = await page.evaluate(async (lab) => {
    const response = await fetch(`${lab}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer x" },
      body: JSON.stringify({ model: "reasoning", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Stream to a browser" }], max_tokens: 12 }),
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const events = text.split("\n\n").filter((block) => block.startsWith("data: ")).map((block) => block.slice(6));
    const chunks = events.filter((data) => data !== "[DONE]").map((data) => JSON.parse(data) as { choices: { delta: { content?: string } }[]; usage?: { completion_tokens: number } | null });
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      deltas: chunks.filter((chunk) => chunk.choices[0]?.delta.content).length,
      usage: chunks.find((chunk) => chunk.usage)?.usage?.completion_tokens ?? null,
      done: events.at(-1) === "[DONE]",
    };
  }, baseURL!);
  expect(streamed).toMatchObject({ status: 200, deltas: 12, usage: 12, done: true });
  expect(streamed.contentType).toContain("text/event-stream");

  // Errors are readable too: the app can show the gateway's message instead of a bare network failure.
  const missing = await page.evaluate(async (lab) => {
    const response = await fetch(`${lab}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer x" },
      body: JSON.stringify({ model: "no-such-model", messages: [{ role: "user", content: "Hi" }] }),
    });
    return { status: response.status, body: (await response.json()) as { error: { message: string; type: string } } };
  }, baseURL!);
  expect(missing.status).toBe(404);
  expect(missing.body.error.message).toContain("fast");

  // Embeddings from the page, on the lab's embedding backend.
  const embedding = await page.evaluate(async (lab) => {
    const response = await fetch(`${lab}/v1/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer x" },
      body: JSON.stringify({ model: "bge-small-en-v1.5", input: "a browser embeds" }),
    });
    const body = (await response.json()) as { data: { embedding: number[] }[] };
    return { status: response.status, dim: body.data[0]?.embedding.length, backend: response.headers.get("x-switchyard-backend") };
  }, baseURL!);
  expect(embedding).toEqual({ status: 200, dim: 384, backend: "embed" });
  await cdp.detach();
});

test("/v1 allows no credentials: a fetch that sends cookies is refused by the browser", async ({ page, baseURL }) => {
  await page.goto(`${CLIENT_ORIGIN}/`);
  const withCredentials = await page.evaluate(async (lab) => {
    try {
      const response = await fetch(`${lab}/v1/models`, { credentials: "include" });
      return { readable: true, status: response.status };
    } catch (error) {
      return { readable: false, error: String(error) };
    }
  }, baseURL!);
  expect(withCredentials).toMatchObject({ readable: false });
  expect(consoleLines.join("\n")).toMatch(/must not be the wildcard '\*' when the request's credentials mode is 'include'/);
  // The same call without credentials is fine.
  const models = await page.evaluate(async (lab) => ((await (await fetch(`${lab}/v1/models`)).json()) as { data: { id: string }[] }).data.map((m) => m.id), baseURL!);
  expect(models).toEqual(expect.arrayContaining(["fast", "reasoning", "auto", "bge-small-en-v1.5"]));
});

test("the console's /api is not readable from another origin", async ({ page, request, baseURL }) => {
  await page.goto(`${CLIENT_ORIGIN}/`);
  const attempts = await page.evaluate(async (lab) => {
    const tryFetch = async (init: RequestInit & { path: string }) => {
      try {
        const response = await fetch(`${lab}${init.path}`, init);
        return { readable: true, status: response.status, text: await response.text() };
      } catch (error) {
        return { readable: false, error: String(error) };
      }
    };
    return {
      simple: await tryFetch({ path: "/api/status" }),
      withKeyHeader: await tryFetch({ path: "/api/status", headers: { authorization: "Bearer x" } }),
    };
  }, baseURL!);
  expect(attempts.simple).toMatchObject({ readable: false });
  expect(attempts.simple.error).toMatch(/Failed to fetch/);
  expect(attempts.withKeyHeader).toMatchObject({ readable: false });
  // Refused for want of CORS headers, not for anything else (the address space, say).
  expect(consoleLines.join("\n")).toMatch(/No 'Access-Control-Allow-Origin' header is present/);
  expect(consoleLines.join("\n")).not.toMatch(/address space/);

  // The server answers such a request without any CORS header (it is the browser that keeps the answer from the page).
  const direct = await request.get("/api/status", { headers: { origin: CLIENT_ORIGIN } });
  expect(direct.headers()["access-control-allow-origin"]).toBeUndefined();
  const preflight = await request.fetch("/api/status", {
    method: "OPTIONS",
    headers: { origin: CLIENT_ORIGIN, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
  });
  expect(preflight.headers()["access-control-allow-origin"]).toBeUndefined();
});
