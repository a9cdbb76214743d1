import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";

/**
 * The real gateway (built by the production factory), over HTTP, in front of real simulator processes, logging to a real SQLite file.
 * Backends: fast = 7B, deep = 14B, big = 32B (deep mode), embed = an embedding model, dead = nothing listening.
 */
let lab: GatewayHarness;
let client: OpenAI;

beforeAll(async () => {
  lab = await startGatewayHarness({
    backends: {
      "qwen-7b": { servedModel: "qwen2.5-7b-instruct", sim: { ttftMs: 5, tokensPerSecond: 400 } },
      "qwen-14b": { servedModel: "qwen2.5-14b-instruct-awq", sim: { ttftMs: 5, tokensPerSecond: 400 } },
      "qwen-32b": { servedModel: "qwen2.5-32b-instruct-awq", sim: { ttftMs: 5, tokensPerSecond: 400 } },
      embed: { servedModel: "bge-small", kind: "embedding" },
      crashy: { servedModel: "crashy-model", sim: { ttftMs: 5, tokensPerSecond: 400 } },
      dead: { servedModel: "ghost-model", dead: true },
    },
    // dead and crashy belong to both modes: a real mode switch waits for entering backends to answer, and these never would.
    modes: { standard: ["qwen-7b", "qwen-14b", "embed", "dead", "crashy"], deep: ["qwen-32b", "dead", "crashy"] },
    routes: {
      fast: ["qwen-7b", "qwen-32b"],
      reasoning: ["qwen-14b", "qwen-32b"],
      flaky: ["dead", "qwen-7b"],
      gone: ["dead"],
      auto: { auto: { fast: "fast", deep: "reasoning", longPromptTokens: 200 } },
    },
  });
  client = new OpenAI({ baseURL: `${lab.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await lab?.close();
});

beforeEach(async () => {
  await lab.setMode("standard");
  for (const [id, sim] of Object.entries(lab.sims)) if (id !== "crashy") await sim.setFaults({ hangBeforeFirstToken: false, tokenDelayMs: null, crashAfterTokens: null, error500: 0 });
});

const hello = [{ role: "user" as const, content: "Say hello to the lab." }];

/** The log row of a request: by its log id (x-switchyard-log-id), or by the client's own x-request-id (the newest such row). */
async function logRow(key: number | string) {
  await lab.flushLog();
  return lab.prisma.requestLog.findFirst({ where: typeof key === "number" ? { id: key } : { clientRequestId: key }, orderBy: { id: "desc" } });
}

/** The id of the log row a response names. */
const logId = (response: Response) => Number(response.headers.get("x-switchyard-log-id"));

async function logRowsCount(): Promise<number> {
  await lab.flushLog();
  return lab.prisma.requestLog.count();
}

async function waitFor<T>(read: () => Promise<T | undefined | null>, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("chat through the openai package", () => {
  test("a non-streamed chat on `fast` is served by the 7B, with usage, headers and one log row", async () => {
    const { data, response } = await client.chat.completions.create({ model: "fast", messages: hello }).withResponse();
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.model).toBe("qwen2.5-7b-instruct");
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-switchyard-backend")).toBe("qwen-7b");
    expect(response.headers.get("x-switchyard-route")).toBe("fast");
    const row = await logRow(logId(response));
    expect(row).toMatchObject({
      outcome: "served",
      status: 200,
      backend: "qwen-7b",
      route: "fast",
      requestedModel: "fast",
      mode: "standard",
      stream: false,
      promptTokens: data.usage?.prompt_tokens,
      completionTokens: data.usage?.completion_tokens,
      finishReason: "stop",
      attempts: 1,
    });
    expect(row?.durationMs).toBeGreaterThan(0);
  });

  test("a stream without include_usage gets no usage chunk, while vLLM was asked for it and the log has the tokens", async () => {
    const { data: stream, response } = await client.chat.completions.create({ model: "reasoning", messages: hello, stream: true }).withResponse();
    let deltas = 0;
    let sawUsage = false;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas++;
      if (chunk.usage) sawUsage = true;
    }
    expect(sawUsage).toBe(false);
    const id = response.headers.get("x-request-id") ?? "";
    const received = (await lab.sims["qwen-14b"]!.state()).recentRequests.find((r) => r.xRequestId === id);
    expect(received?.streamOptions).toMatchObject({ include_usage: true });
    const row = await logRow(logId(response));
    expect(row).toMatchObject({ outcome: "served", backend: "qwen-14b", stream: true, completionTokens: deltas });
    expect(row?.ttftMs).toBeGreaterThan(0);
    expect(row?.firstTokenAt).toBeInstanceOf(Date);
  });

  test("a stream that asks for usage gets the usage chunk, matching the deltas it received", async () => {
    const stream = await client.chat.completions.create({ model: "fast", messages: hello, stream: true, stream_options: { include_usage: true } });
    let deltas = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas++;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(usage?.completion_tokens).toBe(deltas);
  });

  test("the client's x-request-id reaches vLLM and comes back", async () => {
    const response = await fetch(`${lab.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "trace-abc-123" },
      body: JSON.stringify({ model: "fast", messages: hello }),
    });
    expect(response.headers.get("x-request-id")).toBe("trace-abc-123");
    const body = (await response.json()) as { id: string };
    expect(body.id).toBe("chatcmpl-trace-abc-123");
    const seen = (await lab.sims["qwen-7b"]!.state()).recentRequests.some((r) => r.xRequestId === "trace-abc-123");
    expect(seen).toBe(true);
  });
});

describe("routing", () => {
  test("/v1/models lists what the current mode serves, and follows the mode", async () => {
    const standard = (await client.models.list()).data.map((m) => m.id);
    expect(standard).toEqual(expect.arrayContaining(["fast", "reasoning", "auto", "qwen2.5-7b-instruct", "bge-small"]));
    expect(standard).not.toContain("qwen2.5-32b-instruct-awq");
    await lab.setMode("deep");
    const deep = (await client.models.list()).data.map((m) => m.id);
    expect(deep).toEqual(expect.arrayContaining(["fast", "reasoning", "auto", "qwen2.5-32b-instruct-awq"]));
    expect(deep).not.toContain("qwen2.5-7b-instruct");
  });

  test("in deep mode `fast` is served by the 32B", async () => {
    await lab.setMode("deep");
    const { response } = await client.chat.completions.create({ model: "fast", messages: hello }).withResponse();
    expect(response.headers.get("x-switchyard-backend")).toBe("qwen-32b");
    expect(response.headers.get("x-switchyard-route-reason")).toContain("qwen-7b not in mode deep");
  });

  test("auto picks fast for a short prompt and reasoning for tools, and says why", async () => {
    const short = await client.chat.completions.create({ model: "auto", messages: hello }).withResponse();
    expect(short.response.headers.get("x-switchyard-backend")).toBe("qwen-7b");
    expect(short.response.headers.get("x-switchyard-route-reason")).toContain("short prompt");
    const tools = await client.chat.completions
      .create({
        model: "auto",
        messages: hello,
        tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } }],
      })
      .withResponse();
    expect(tools.response.headers.get("x-switchyard-backend")).toBe("qwen-14b");
    const row = await logRow(logId(tools.response));
    expect(row).toMatchObject({ requestedModel: "auto", route: "reasoning" });
    expect(row?.routeReason).toContain("tools");
  });

  test("a first candidate that refuses connections is passed over for the next, and the log says why", async () => {
    const { data, response } = await client.chat.completions.create({ model: "flaky", messages: hello }).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("x-switchyard-backend")).toBe("qwen-7b");
    const row = await logRow(logId(response));
    // Refused on the attempt, or already known down from its health probe: either way the client never sees it.
    expect(row?.attempts).toBeGreaterThanOrEqual(1);
    expect(row?.routeReason).toMatch(/dead (connection refused|unreachable)/);
  });

  test("no reachable candidate -> 503 with Retry-After and one log row", async () => {
    const before = await logRowsCount();
    const response = await fetch(`${lab.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "gone", messages: hello }) });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    const body = (await response.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toContain("dead");
    expect(await logRowsCount()).toBe(before + 1);
    expect(await logRow(logId(response))).toMatchObject({ outcome: "rejected", status: 503 });
  });

  test("a model offline in the current mode -> 503 naming the mode that serves it", async () => {
    const response = await fetch(`${lab.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "qwen2.5-32b-instruct-awq", messages: hello }),
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("served in mode deep");
  });
});

describe("failures and aborts", () => {
  test("an upstream 500 before the first byte is passed through, not retried", async () => {
    await lab.sims["qwen-7b"]!.setFaults({ error500: 1 });
    const response = await fetch(`${lab.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "fast", messages: hello }) });
    expect(response.status).toBe(500);
    const row = await logRow(logId(response));
    expect(row).toMatchObject({ outcome: "upstream_error", status: 500, attempts: 1, backend: "qwen-7b" });
  });

  test("a client abort mid-stream reaches the simulator within 100 ms and is logged client_abort", async () => {
    await lab.sims["qwen-7b"]!.setFaults({ tokenDelayMs: 40 });
    const controller = new AbortController();
    const response = await fetch(`${lab.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "fast", messages: hello, stream: true, max_tokens: 200 }),
      signal: controller.signal,
    });
    const id = response.headers.get("x-request-id") ?? "";
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    const abortedAt = Date.now();
    controller.abort();
    const seen = await waitFor(async () => (await lab.sims["qwen-7b"]!.state()).aborts.find((a) => a.xRequestId === id));
    expect(seen.at - abortedAt).toBeLessThan(100);
    const row = await waitFor(async () => {
      const r = await logRow(logId(response));
      return r?.outcome === "open" ? null : r;
    });
    expect(row.outcome).toBe("client_abort");
  });

  test("a client abort before the first token (upstream hanging) reaches the simulator", async () => {
    await lab.sims["qwen-7b"]!.setFaults({ hangBeforeFirstToken: true });
    const controller = new AbortController();
    const pending = fetch(`${lab.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-request-id": "abort-before-first-token" },
      body: JSON.stringify({ model: "fast", messages: hello, stream: true }),
      signal: controller.signal,
    }).catch(() => null);
    await waitFor(async () => (await lab.sims["qwen-7b"]!.state()).recentRequests.find((r) => r.xRequestId === "abort-before-first-token"));
    const abortedAt = Date.now();
    controller.abort();
    await pending;
    const seen = await waitFor(async () => (await lab.sims["qwen-7b"]!.state()).aborts.find((a) => a.xRequestId === "abort-before-first-token"));
    expect(seen.at - abortedAt).toBeLessThan(100);
    const row = await waitFor(async () => {
      const r = await logRow("abort-before-first-token");
      return r?.outcome === "open" ? null : r;
    });
    expect(row).toMatchObject({ outcome: "client_abort", stream: true });
  });

  test("a simulator crash mid-stream becomes an error event and an upstream_error row with the partial tokens", async () => {
    await lab.sims.crashy!.setFaults({ crashAfterTokens: 3, tokenDelayMs: 5 });
    const response = await fetch(`${lab.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "crashy-model", messages: hello, stream: true, max_tokens: 50 }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = text.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const errorEvent = JSON.parse((events.at(-2) ?? "").slice("data: ".length)) as { error: { message: string } };
    expect(errorEvent.error.message).toContain("crashy");
    const row = await logRow(logId(response));
    expect(row?.outcome).toBe("upstream_error");
    expect(row?.completionTokens).toBeGreaterThanOrEqual(1);
  });
});

describe("other endpoints", () => {
  test("embeddings, tokenize and detokenize pass through to the backend of the model", async () => {
    const embeddings = await client.embeddings.create({ model: "bge-small", input: ["one", "two"] });
    expect(embeddings.data).toHaveLength(2);
    const tokenize = (await (
      await fetch(`${lab.url}/tokenize`, { method: "POST", body: JSON.stringify({ model: "fast", prompt: "Hello lab" }) })
    ).json()) as { tokens: number[]; count: number };
    expect(tokenize.count).toBe(tokenize.tokens.length);
    const detokenize = (await (
      await fetch(`${lab.url}/detokenize`, { method: "POST", body: JSON.stringify({ model: "fast", tokens: tokenize.tokens }) })
    ).json()) as { prompt: string };
    expect(detokenize.prompt).toBe("Hello lab");
  });

  test("responses pass through", async () => {
    const response = await client.responses.create({ model: "fast", input: "Say hi" });
    expect(response.output_text.length).toBeGreaterThan(0);
  });
});

describe("bad input: OpenAI-shaped 4xx, never a 500, always a log row", () => {
  const cases: { name: string; path?: string; method?: string; body: string | Uint8Array; status: number; message: RegExp }[] = [
    { name: "malformed JSON", body: "{not json", status: 400, message: /not valid JSON/ },
    { name: "empty body", body: "", status: 400, message: /not valid JSON|no body/ },
    { name: "a JSON array", body: "[]", status: 400, message: /JSON object/ },
    { name: "missing messages", body: JSON.stringify({ model: "fast" }), status: 400, message: /messages is required/ },
    { name: "messages of the wrong type", body: JSON.stringify({ model: "fast", messages: "hi" }), status: 400, message: /messages/ },
    { name: "missing model", body: JSON.stringify({ messages: hello }), status: 400, message: /model is required/ },
    { name: "stream: \"yes\"", body: JSON.stringify({ model: "fast", messages: hello, stream: "yes" }), status: 400, message: /^stream: .*expected boolean/ },
    {
      name: "stream_options without stream",
      body: JSON.stringify({ model: "fast", messages: hello, stream_options: { include_usage: true } }),
      status: 400,
      message: /Stream options can only be defined when `stream=True`/,
    },
    { name: "unknown model", body: JSON.stringify({ model: "gpt-9", messages: hello }), status: 404, message: /gpt-9.*Available models: fast, reasoning/ },
    { name: "a 10 MB body", body: new Uint8Array(10 * 1024 * 1024).fill(32), status: 413, message: /larger than this gateway accepts/ },
    { name: "an unknown route", path: "/v1/fine_tuning/jobs", body: "{}", status: 404, message: /Unknown endpoint/ },
    { name: "GET on a POST endpoint", method: "GET", body: "", status: 405, message: /accepts POST/ },
  ];

  test.each(cases)("$name -> $status", async ({ path = "/v1/chat/completions", method = "POST", body, status, message }) => {
    const before = await logRowsCount();
    const response = await fetch(`${lab.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: method === "GET" ? undefined : (body as BodyInit),
    });
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: { message: string; type: string; param: unknown; code: unknown } };
    expect(Object.keys(json.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(json.error.message).toMatch(message);
    expect(await logRowsCount()).toBe(before + 1);
    const row = await logRow(logId(response));
    expect(row).toMatchObject({ status, outcome: "bad_request" });
  });
});
