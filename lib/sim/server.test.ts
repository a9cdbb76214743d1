import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startSimulator, type RunningSimulator } from "./server";
import { metricValue, postJson, sseChunks, sseData, type ChatChunk } from "./test-support";
import { METRICS_CONTENT_TYPE } from "./metrics";

const MODEL = "qwen2.5-7b-instruct";
const messages = [{ role: "user", content: "Tell me about the lab." }];

let sim: RunningSimulator;
let embed: RunningSimulator;
const post = (path: string, body: unknown, headers?: Record<string, string>) => postJson(sim.url, path, body, headers);

beforeAll(async () => {
  // The exact shapes below are v0.11's (the 2025-10 capture); profiles.test.ts compares every profile with its capture.
  sim = await startSimulator({ servedModel: MODEL, root: "Qwen/Qwen2.5-7B-Instruct", zeroLatency: true, maxModelLen: 4096, vllmVersion: "0.11" });
  embed = await startSimulator({ servedModel: "bge-small", kind: "embedding", embeddingDim: 8, zeroLatency: true });
});
afterAll(async () => {
  await Promise.all([sim.close(), embed.close()]);
});

async function chatStream(body: Record<string, unknown>, headers?: Record<string, string>) {
  const res = await post("/v1/chat/completions", { model: MODEL, messages, stream: true, ...body }, headers);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  const text = await res.text();
  return { text, chunks: sseChunks<ChatChunk>(text) };
}

describe("chat completion streams", () => {
  test("role chunk, one content chunk per token, finish chunk, usage chunk, [DONE], in vLLM's exact framing", async () => {
    const { text, chunks } = await chatStream({ stream_options: { include_usage: true } }, { "x-request-id": "req-42" });
    // Every event is `data: <compact json>\n\n`: re-serialising each chunk gives the same bytes.
    const data = sseData(text);
    expect(data.slice(0, -1).map((d) => JSON.stringify(JSON.parse(d)))).toEqual(data.slice(0, -1));
    expect(text).not.toMatch(/^(event|id):/m);

    const [role, ...rest] = chunks;
    const usageChunk = rest.pop();
    const finish = rest.pop();
    expect(role).toEqual({
      id: "chatcmpl-req-42",
      object: "chat.completion.chunk",
      created: expect.any(Number),
      model: MODEL,
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
    });
    for (const chunk of rest) {
      expect(chunk.choices).toEqual([
        { index: 0, delta: { content: expect.any(String) }, logprobs: null, finish_reason: null, token_ids: null },
      ]);
    }
    expect(finish?.choices).toEqual([{ index: 0, delta: { content: "" }, logprobs: null, finish_reason: "stop", stop_reason: null, token_ids: null }]);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage?.completion_tokens).toBe(rest.length);
    expect(usageChunk?.usage?.total_tokens).toBe((usageChunk?.usage?.prompt_tokens ?? 0) + rest.length);
    // id and created are identical on every chunk.
    expect(new Set(chunks.map((c) => `${c.id}/${c.created}`)).size).toBe(1);
  });

  test.each([
    ["absent", undefined, false],
    ["include_usage true", { include_usage: true }, true],
    ["empty (include_usage defaults to true)", {}, true],
    ["include_usage false", { include_usage: false }, false],
  ])("usage chunk with stream_options %s", async (_, streamOptions, expected) => {
    const { chunks } = await chatStream(streamOptions === undefined ? {} : { stream_options: streamOptions });
    expect(chunks.some((c) => c.choices.length === 0 && c.usage)).toBe(expected);
    expect(chunks.filter((c) => c.usage).length).toBe(expected ? 1 : 0);
  });

  test("continuous_usage_stats puts running usage on every chunk", async () => {
    const { chunks } = await chatStream({ stream_options: { include_usage: true, continuous_usage_stats: true }, max_tokens: 4 });
    expect(chunks.every((c) => c.usage)).toBe(true);
    expect(chunks.map((c) => c.usage?.completion_tokens)).toEqual([0, 1, 2, 3, 4, 4, 4]);
  });

  test("max_tokens reached gives length; the output is deterministic", async () => {
    const a = await chatStream({ max_tokens: 5, stream_options: {} });
    const content = a.chunks.filter((c) => c.choices[0]?.delta.content);
    expect(content).toHaveLength(5);
    expect(a.chunks.at(-2)?.choices[0]?.finish_reason).toBe("length");
    expect(a.chunks.at(-1)?.usage?.completion_tokens).toBe(5);
    const b = await chatStream({ max_tokens: 5 });
    expect(b.chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(content.map((c) => c.choices[0]?.delta.content).join(""));
  });

  test("stop strings truncate and report stop_reason", async () => {
    const full = await (await post("/v1/chat/completions", { model: MODEL, messages })).json();
    const text: string = full.choices[0].message.content;
    const stop = text.split(" ")[3] ?? "";
    expect(stop.length).toBeGreaterThan(0);
    const { chunks } = await chatStream({ stop: [stop], stream_options: {} });
    const streamed = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(streamed).toBe(text.slice(0, text.indexOf(stop)));
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ finish_reason: "stop", stop_reason: stop });
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(chunks.filter((c) => c.choices[0]?.delta.content).length);
  });

  test("n > 1 streams every choice and sums the usage", async () => {
    const { chunks } = await chatStream({ n: 2, max_tokens: 3, stream_options: {} });
    expect(chunks.filter((c) => c.choices[0]?.delta.role).map((c) => c.choices[0]?.index)).toEqual([0, 1]);
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(6);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(6);
  });

  test("tool calls stream the call header, then the arguments in pieces, and finish with tool_calls", async () => {
    const tools = [
      {
        type: "function",
        function: {
          name: "get_weather",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
      { type: "function", function: { name: "other", parameters: { type: "object", properties: {} } } },
    ];
    const { chunks } = await chatStream({ tools, tool_choice: "auto", stream_options: {} });
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toEqual({ id: expect.stringMatching(/^chatcmpl-tool-/), type: "function", index: 0, function: { name: "get_weather" } });
    const pieces = deltas.slice(1).map((d) => d.function.arguments ?? "");
    expect(pieces.length).toBeGreaterThan(2);
    expect(JSON.parse(pieces.join(""))).toEqual({ city: expect.any(String) });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(deltas.length);

    const named = await chatStream({ tools, tool_choice: { type: "function", function: { name: "other" } } });
    expect(named.chunks[1]?.choices[0]?.delta.tool_calls?.[0]?.function.name).toBe("other");

    const afterTool = await chatStream({
      tools,
      messages: [...messages, { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "get_weather", arguments: "{}" } }] }, { role: "tool", content: "sunny", tool_call_id: "t1" }],
    });
    expect(afterTool.chunks.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
    expect(afterTool.chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");

    const none = await chatStream({ tools, tool_choice: "none" });
    expect(none.chunks.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
  });
});

describe("non-streaming and other endpoints", () => {
  test("chat completion body has vLLM's shape", async () => {
    const res = await post("/v1/chat/completions", { messages, max_tokens: 3 }, { "x-request-id": "abc" });
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = await res.json();
    expect(body).toEqual({
      id: "chatcmpl-abc",
      object: "chat.completion",
      created: expect.any(Number),
      model: MODEL,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: expect.any(String),
            refusal: null,
            annotations: null,
            audio: null,
            function_call: null,
            tool_calls: [],
            reasoning_content: null,
          },
          logprobs: null,
          finish_reason: "length",
          stop_reason: null,
          token_ids: null,
        },
      ],
      service_tier: null,
      system_fingerprint: null,
      usage: { prompt_tokens: expect.any(Number), total_tokens: expect.any(Number), completion_tokens: 3, prompt_tokens_details: null },
      prompt_logprobs: null,
      prompt_token_ids: null,
      kv_transfer_params: null,
    });
    expect(Object.keys(body)).toEqual([
      "id", "object", "created", "model", "choices", "service_tier", "system_fingerprint", "usage", "prompt_logprobs", "prompt_token_ids", "kv_transfer_params",
    ]);
  });

  test("prompt_tokens equals what /tokenize counts for the same messages", async () => {
    const chat = await (await post("/v1/chat/completions", { messages, max_tokens: 1 })).json();
    const tok = await (await post("/tokenize", { model: MODEL, messages, return_token_strs: true })).json();
    expect(tok.count).toBe(chat.usage.prompt_tokens);
    expect(tok).toMatchObject({ max_model_len: 4096, tokens: expect.any(Array), token_strs: expect.any(Array) });
    expect(tok.token_strs.join("")).toContain("<|im_start|>user\nTell me about the lab.<|im_end|>");
    const detok = await (await post("/detokenize", { tokens: tok.tokens })).json();
    expect(detok).toEqual({ prompt: tok.token_strs.join("") });
    const plain = await (await post("/tokenize", { prompt: "Hello world" })).json();
    expect(plain).toEqual({ count: plain.tokens.length, max_model_len: 4096, tokens: expect.any(Array), token_strs: null });
    expect((await post("/detokenize", { tokens: [151000] })).status).toBe(400);
  });

  test("completions stream and JSON", async () => {
    const res = await post("/v1/completions", { prompt: "Once upon a time", stream: true, stream_options: {} }, { "x-request-id": "c1" });
    const chunks = sseChunks<{ id: string; object: string; choices: { text: string; finish_reason: string | null }[]; usage: { completion_tokens: number } | null }>(await res.text());
    expect(chunks[0]?.id).toBe("cmpl-c1");
    expect(chunks[0]?.object).toBe("text_completion");
    const tokens = chunks.filter((c) => c.choices[0]?.text);
    // vLLM's completions API defaults max_tokens to 16.
    expect(tokens).toHaveLength(16);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("length");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(16);

    const json = await (await post("/v1/completions", { prompt: ["a", "b"], max_tokens: 2 })).json();
    expect(json.choices.map((c: { index: number }) => c.index)).toEqual([0, 1]);
    expect(json.usage.completion_tokens).toBe(4);
  });

  test("responses API: object and named event stream", async () => {
    const body = await (await post("/v1/responses", { input: "Hi", max_output_tokens: 4 })).json();
    expect(body).toMatchObject({ object: "response", status: "incomplete", model: MODEL, usage: { output_tokens: 4 } });
    expect(body.output[0]).toMatchObject({ type: "message", role: "assistant", content: [{ type: "output_text", text: expect.any(String) }] });

    const text = await (await post("/v1/responses", { input: "Hi", stream: true })).text();
    const events = text.trim().split("\n\n").map((e) => e.split("\n")[0]);
    expect(events.slice(0, 4)).toEqual([
      "event: response.created",
      "event: response.in_progress",
      "event: response.output_item.added",
      "event: response.content_part.added",
    ]);
    expect(events.at(-1)).toBe("event: response.completed");
    expect(events.filter((e) => e === "event: response.output_text.delta").length).toBeGreaterThanOrEqual(16);
  });

  test("models, version, health, ping, load", async () => {
    const models = await (await fetch(`${sim.url}/v1/models`)).json();
    expect(models.object).toBe("list");
    expect(models.data).toHaveLength(1);
    expect(models.data[0]).toMatchObject({ id: MODEL, object: "model", owned_by: "vllm", root: "Qwen/Qwen2.5-7B-Instruct", parent: null, max_model_len: 4096 });
    expect(models.data[0].permission[0]).toMatchObject({ object: "model_permission", id: expect.stringMatching(/^modelperm-[0-9a-f]+$/) });
    expect(await (await fetch(`${sim.url}/version`)).json()).toEqual({ version: "0.11.0" });
    for (const [method, path] of [["GET", "/health"], ["GET", "/ping"], ["POST", "/ping"]] as const) {
      const res = await fetch(`${sim.url}${path}`, { method });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("");
    }
    expect(await (await fetch(`${sim.url}/load`)).json()).toEqual({ server_load: 0 });
  });

  test("embeddings: unit vectors with usage, float and base64", async () => {
    const res = await postJson(embed.url, "/v1/embeddings", { input: ["hello", "world"] });
    const body = await res.json();
    expect(body).toMatchObject({ object: "list", model: "bge-small", usage: { prompt_tokens: expect.any(Number), completion_tokens: 0 } });
    expect(body.id).toMatch(/^embd-/);
    expect(body.data).toHaveLength(2);
    expect(Math.hypot(...body.data[0].embedding)).toBeCloseTo(1, 6);
    const b64 = await (await postJson(embed.url, "/v1/embeddings", { input: "hello", encoding_format: "base64" })).json();
    const bytes = Buffer.from(b64.data[0].embedding, "base64");
    const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    expect([...floats].map((v) => v.toFixed(5))).toEqual(body.data[0].embedding.map((v: number) => Math.fround(v).toFixed(5)));
  });
});

describe("errors", () => {
  const expectError = async (res: Response, status: number, type: string, message: string | RegExp) => {
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body).toEqual({ error: { message: expect.any(String), type, param: null, code: status } });
    if (typeof message === "string") expect(body.error.message).toBe(message);
    else expect(body.error.message).toMatch(message);
  };

  test("unknown model is a 404 NotFoundError; a request without model is served", async () => {
    await expectError(await post("/v1/chat/completions", { model: "gpt-4", messages }), 404, "NotFoundError", "The model `gpt-4` does not exist.");
    expect((await post("/v1/chat/completions", { messages, max_tokens: 1 })).status).toBe(200);
  });

  test("context length", async () => {
    const long = "word ".repeat(4000);
    const res = await post("/v1/chat/completions", { messages: [{ role: "user", content: long }], max_tokens: 1000 });
    await expectError(
      res,
      400,
      "BadRequestError",
      /^This model's maximum context length is 4096 tokens\. However, you requested (\d+) tokens \((\d+) in the messages, 1000 in the completion\)\. Please reduce the length of the messages or completion\.$/,
    );
  });

  test("stream_options without stream", async () => {
    await expectError(
      await post("/v1/chat/completions", { messages, stream: false, stream_options: { include_usage: true } }),
      400,
      "Bad Request",
      /Stream options can only be defined when `stream=True`\./,
    );
  });

  test("bad JSON, wrong types and non-JSON content types are 400 Bad Request", async () => {
    const raw = (body: string, contentType: string) =>
      fetch(`${sim.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": contentType }, body });
    await expectError(await raw("{nope", "application/json"), 400, "Bad Request", /JSON/);
    await expectError(await raw(JSON.stringify({ messages }), "text/plain"), 400, "Bad Request", /application\/json/);
    await expectError(await post("/v1/chat/completions", { messages: "hi" }), 400, "Bad Request", /messages/);
    await expectError(await post("/v1/chat/completions", { messages, max_tokens: "ten" }), 400, "Bad Request", /max_tokens/);
  });

  test("auto tool choice needs --enable-auto-tool-choice", async () => {
    const strict = await startSimulator({ servedModel: MODEL, zeroLatency: true, enableAutoToolChoice: false });
    try {
      const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
      await expectError(
        await postJson(strict.url, "/v1/chat/completions", { messages, tools }),
        400,
        "BadRequestError",
        '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
      );
      const named = await postJson(strict.url, "/v1/chat/completions", { messages, tools, tool_choice: { type: "function", function: { name: "f" } } });
      expect(named.status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  test("embedding and chat endpoints refuse the other kind of model", async () => {
    await expectError(await post("/v1/embeddings", { input: "x" }), 400, "BadRequestError", "The model does not support Embeddings API");
    await expectError(await postJson(embed.url, "/v1/chat/completions", { messages }), 400, "BadRequestError", "The model does not support Chat Completions API");
  });

  test("error500 fault answers the next N inference requests with vLLM's 500 envelope", async () => {
    sim.setFaults({ error500: 2 });
    await expectError(await post("/v1/chat/completions", { messages }), 500, "InternalServerError", /EngineCore/);
    await expectError(await post("/v1/completions", { prompt: "x" }), 500, "InternalServerError", /EngineCore/);
    expect((await post("/v1/chat/completions", { messages, max_tokens: 1 })).status).toBe(200);
    expect(sim.state().faults.error500).toBe(0);
  });

  test("flat error envelope before v0.10.1", async () => {
    const old = await startSimulator({ servedModel: MODEL, zeroLatency: true, version: "0.9.2" });
    try {
      const res = await postJson(old.url, "/v1/chat/completions", { model: "x", messages });
      expect(await res.json()).toEqual({ object: "error", message: "The model `x` does not exist.", type: "NotFoundError", param: null, code: 404 });
    } finally {
      await old.close();
    }
  });
});

describe("metrics and state", () => {
  test("Prometheus text with vLLM's names, labels and content type", async () => {
    await post("/v1/chat/completions", { messages, max_tokens: 2 });
    const res = await fetch(`${sim.url}/metrics`);
    expect(res.headers.get("content-type")).toBe(METRICS_CONTENT_TYPE);
    const text = await res.text();
    const samples = text.split("\n").filter((line) => line && !line.startsWith("#"));
    for (const line of samples) expect(line).toMatch(/^vllm:[a-z0-9_:]+\{[^}]*engine="0"[^}]*model_name="qwen2\.5-7b-instruct"[^}]*\} [-+0-9.eInfNa]+$/);
    for (const name of [
      "vllm:num_requests_running",
      "vllm:num_requests_waiting",
      "vllm:kv_cache_usage_perc",
      "vllm:prompt_tokens_total",
      "vllm:generation_tokens_total",
      "vllm:num_preemptions_total",
      "vllm:prefix_cache_queries_total",
      "vllm:prefix_cache_hits_total",
      "vllm:time_to_first_token_seconds_count",
      "vllm:inter_token_latency_seconds_count",
      "vllm:e2e_request_latency_seconds_count",
      "vllm:request_queue_time_seconds_count",
      "vllm:request_prompt_tokens_count",
      "vllm:request_generation_tokens_count",
      "vllm:cache_config_info",
    ]) {
      expect(metricValue(text, name), name).toBeDefined();
    }
    expect(text).toContain("# TYPE vllm:time_to_first_token_seconds histogram");
    expect(text).toContain("# TYPE vllm:prompt_tokens_total counter");
    expect(text).toMatch(/vllm:time_to_first_token_seconds_bucket\{engine="0",le="0\.001",model_name="qwen2\.5-7b-instruct"\} \d+\.0/);
    expect(text).toMatch(/vllm:time_to_first_token_seconds_bucket\{engine="0",le="\+Inf",model_name="qwen2\.5-7b-instruct"\}/);
    expect(metricValue(text, "vllm:request_success_total", { finished_reason: "length" })).toBeGreaterThan(0);
    expect(metricValue(text, "vllm:request_success_total", { finished_reason: "abort" })).toBe(0);
    expect(metricValue(text, "vllm:cache_config_info", { enable_prefix_caching: "True" })).toBe(1);
    // The same prompt again hits the prefix cache.
    expect(metricValue(text, "vllm:prefix_cache_hits_total")).toBeGreaterThan(0);
  });

  test("/_sim/state records what requests carried", async () => {
    await post(
      "/v1/chat/completions",
      { model: MODEL, messages, stream: true, stream_options: { include_usage: true } },
      { "x-request-id": "state-1", "x-extra": "yes" },
    );
    const state = await (await fetch(`${sim.url}/_sim/state`)).json();
    const entry = state.recentRequests.findLast((r: { xRequestId: string | null }) => r.xRequestId === "state-1");
    expect(entry).toMatchObject({
      method: "POST",
      path: "/v1/chat/completions",
      stream: true,
      streamOptions: { include_usage: true },
      model: MODEL,
      headers: { "x-extra": "yes" },
    });
    expect(Math.abs(entry.receivedAt - Date.now())).toBeLessThan(5000);

    const faults = await (await post("/_sim/faults", { tokenDelayMs: 5 })).json();
    expect(faults.tokenDelayMs).toBe(5);
    expect((await (await post("/_sim/faults", {})).json()).tokenDelayMs).toBe(5);
    expect((await (await post("/_sim/faults", { tokenDelayMs: null })).json()).tokenDelayMs).toBeNull();
    expect((await post("/_sim/faults", { nope: 1 })).status).toBe(400);
  });
});
