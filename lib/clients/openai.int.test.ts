import OpenAI from "openai";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import {
  EMBEDDING_DIM,
  EMBEDDING_MODEL,
  FIRST_TOKEN_TIMEOUT_SECONDS,
  MAX_BODY_BYTES,
  OFFLINE_MODEL,
  RETRY_AFTER_SECONDS,
  startClientLab,
  words,
  waitFor,
  type ClientLab,
} from "./lab";

/**
 * The `openai` package (openai-node) against the whole app on the simulated lab, as an application uses it: only
 * the base URL and the API key differ from talking to OpenAI. Every call goes through a real key (`auth: keys`).
 */
let lab: ClientLab;
let client: OpenAI;

beforeAll(async () => {
  lab = await startClientLab();
  client = new OpenAI({ baseURL: lab.baseURL, apiKey: lab.keys.all, maxRetries: 0 });
}, 90_000);

afterAll(async () => {
  await lab?.close();
});

const hello = [{ role: "user" as const, content: "Say hello to the lab." }];
const logId = (response: Response) => response.headers.get("x-switchyard-log-id");

const Weather = z.object({ city: z.string(), celsius: z.number(), conditions: z.enum(["sunny", "cloudy", "rain"]) });
const weatherParameters = {
  type: "object",
  properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
  required: ["city", "unit"],
  additionalProperties: false,
} as const;
const WeatherArgs = z.object({ city: z.string(), unit: z.enum(["celsius", "fahrenheit"]) });

describe("chat completions", () => {
  test("a chat is answered by the 7B on `fast`, and the row has the key, the backend and the same tokens", async () => {
    const { data, response } = await client.chat.completions.create({ model: "fast", messages: hello }).withResponse();
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.model).toBe("qwen2.5-7b-instruct");
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(await lab.row(logId(response))).toMatchObject({
      outcome: "served",
      status: 200,
      backend: "qwen-7b",
      route: "fast",
      apiKeyName: "client-suite",
      promptTokens: data.usage?.prompt_tokens,
      completionTokens: data.usage?.completion_tokens,
      finishReason: "stop",
    });
  });

  test("a stream without stream_options has no usage chunk; the row still counts every delta", async () => {
    const { data: stream, response } = await client.chat.completions.create({ model: "reasoning", messages: hello, stream: true }).withResponse();
    let deltas = 0;
    let text = "";
    let usageChunks = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) {
        deltas++;
        text += chunk.choices[0].delta.content;
      }
      if (chunk.usage) usageChunks++;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usageChunks).toBe(0);
    expect(await lab.row(logId(response))).toMatchObject({ outcome: "served", backend: "qwen-14b", stream: true, completionTokens: deltas });
  });

  test("a stream with include_usage gets exactly one usage chunk, after the choices, matching the deltas", async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: "fast", messages: hello, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let deltas = 0;
    const usages: OpenAI.CompletionUsage[] = [];
    let choicesAfterUsage = 0;
    for await (const chunk of stream) {
      if (usages.length > 0 && chunk.choices.length > 0) choicesAfterUsage++;
      if (chunk.choices[0]?.delta.content) deltas++;
      if (chunk.usage) usages.push(chunk.usage);
    }
    expect(usages).toHaveLength(1);
    expect(choicesAfterUsage).toBe(0);
    expect(usages[0]?.completion_tokens).toBe(deltas);
    expect(await lab.row(logId(response))).toMatchObject({ outcome: "served", promptTokens: usages[0]?.prompt_tokens, completionTokens: deltas });
  });

  test("models.list names the routes and served models of the current mode, the embedding model among them", async () => {
    const ids = (await client.models.list()).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["fast", "reasoning", "auto", "qwen2.5-7b-instruct", EMBEDDING_MODEL]));
    expect(ids).not.toContain(OFFLINE_MODEL);
  });

  test("logprobs: each content token comes with its logprob and the top alternatives asked for", async () => {
    const data = await client.chat.completions.create({ model: "fast", messages: hello, max_tokens: 8, logprobs: true, top_logprobs: 2 });
    const content = data.choices[0]?.logprobs?.content ?? [];
    expect(content).toHaveLength(data.usage!.completion_tokens);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(2);
    }
  });

  test("the stream helper (chat.completions.stream) assembles the final message", async () => {
    const runner = client.chat.completions.stream({ model: "fast", messages: hello, stream_options: { include_usage: true } });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });

  test("tools: the tool call arrives parsed, its arguments validate, and the tool's result gets a text answer", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "get_weather", description: "Weather in a city", parameters: weatherParameters } }];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What is the weather in Oslo?" }];
    const { data, response } = await client.chat.completions.create({ model: "fast", messages, tools }).withResponse();
    const choice = data.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    if (call?.type !== "function") throw new Error("no function call");
    expect(call.function.name).toBe("get_weather");
    expect(WeatherArgs.safeParse(JSON.parse(call.function.arguments)).success).toBe(true);
    expect(await lab.row(logId(response))).toMatchObject({ outcome: "served", finishReason: "tool_calls", backend: "qwen-7b" });

    const answer = await client.chat.completions.create({
      model: "fast",
      tools,
      messages: [...messages, choice.message, { role: "tool", tool_call_id: call.id, content: JSON.stringify({ celsius: 4, conditions: "rain" }) }],
    });
    expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(answer.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  test("a streamed tool call is assembled by the SDK's stream helper into valid arguments", async () => {
    const runner = client.chat.completions.stream({
      model: "reasoning",
      messages: [{ role: "user", content: "Weather in Lima?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: weatherParameters } }],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" && call.function.name).toBe("get_weather");
    if (call?.type !== "function") throw new Error("no function call");
    expect(WeatherArgs.safeParse(JSON.parse(call.function.arguments)).success).toBe(true);
  });

  test("structured output: chat.completions.parse with zodResponseFormat gives a parsed object that validates", async () => {
    const { data, response } = await client.chat.completions
      .parse({ model: "fast", messages: [{ role: "user", content: "Weather report for Quito as JSON." }], response_format: zodResponseFormat(Weather, "weather") })
      .withResponse();
    const parsed = data.choices[0]?.message.parsed;
    expect(Weather.parse(parsed)).toEqual(parsed);
    expect(await lab.row(logId(response))).toMatchObject({ outcome: "served", finishReason: "stop" });
  });
});

describe("Responses API", () => {
  test("responses.create with a function tool returns a function_call item whose arguments validate", async () => {
    const { data, response } = await client.responses
      .create({
        model: "fast",
        input: "What is the weather in Nairobi?",
        tools: [{ type: "function", name: "get_weather", description: "Weather in a city", parameters: weatherParameters, strict: true }],
      })
      .withResponse();
    expect(data.status).toBe("completed");
    const call = data.output.find((item) => item.type === "function_call");
    expect(call?.type === "function_call" && call.name).toBe("get_weather");
    if (call?.type !== "function_call") throw new Error("no function call");
    expect(WeatherArgs.safeParse(JSON.parse(call.arguments)).success).toBe(true);
    expect(await lab.row(logId(response))).toMatchObject({ outcome: "served", endpoint: "/v1/responses", backend: "qwen-7b" });
  });

  test("a function call's output goes back with previous_response_id, and the model answers in text", async () => {
    const tools: OpenAI.Responses.Tool[] = [{ type: "function", name: "get_weather", parameters: weatherParameters, strict: true }];
    const first = await client.responses.create({ model: "fast", input: "What is the weather in Lima?", tools });
    const call = first.output.find((item) => item.type === "function_call");
    if (call?.type !== "function_call") throw new Error("no function call");
    const { data, response } = await client.responses
      .create({ model: "fast", previous_response_id: first.id, tools, input: [{ type: "function_call_output", call_id: call.call_id, output: JSON.stringify({ celsius: 19 }) }] })
      .withResponse();
    expect(data.status).toBe("completed");
    expect(data.output_text.length).toBeGreaterThan(0);
    expect(data.output.some((item) => item.type === "function_call")).toBe(false);
    expect(await lab.row(logId(response))).toMatchObject({ outcome: "served", backend: "qwen-7b" });
  });

  test("responses.parse with zodTextFormat gives output_parsed that validates", async () => {
    const { data, response } = await client.responses
      .parse({ model: "reasoning", input: "Weather report for Hanoi as JSON.", text: { format: zodTextFormat(Weather, "weather") } })
      .withResponse();
    expect(Weather.parse(data.output_parsed)).toEqual(data.output_parsed);
    expect(data.usage?.output_tokens).toBeGreaterThan(0);
    expect(await lab.row(logId(response))).toMatchObject({ outcome: "served", backend: "qwen-14b", completionTokens: data.usage?.output_tokens });
  });

  test("a streamed response ends with response.completed and its text", async () => {
    const stream = await client.responses.create({ model: "fast", input: "Say hello.", stream: true });
    let deltas = "";
    let completed: OpenAI.Responses.Response | null = null;
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") deltas += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(deltas.length).toBeGreaterThan(0);
    const message = (completed as OpenAI.Responses.Response | null)?.output.find((item) => item.type === "message");
    const text = message?.type === "message" ? message.content.map((part) => (part.type === "output_text" ? part.text : "")).join("") : null;
    expect(text).toBe(deltas);
  });
});

describe("embeddings", () => {
  test("embeddings.create (base64 on the wire, as the SDK asks) gives one unit vector per input from the embedding backend", async () => {
    const { data, response } = await client.embeddings.create({ model: EMBEDDING_MODEL, input: ["the lab", "the gateway"] }).withResponse();
    expect(data.data).toHaveLength(2);
    for (const item of data.data) {
      expect(item.embedding).toHaveLength(EMBEDDING_DIM);
      expect(Math.hypot(...item.embedding)).toBeCloseTo(1, 3);
    }
    expect(data.data[0]!.embedding).not.toEqual(data.data[1]!.embedding);
    // Deterministic, as a real model is: the same text embeds the same.
    const again = await client.embeddings.create({ model: EMBEDDING_MODEL, input: "the lab", encoding_format: "float" });
    expect(again.data[0]!.embedding[0]).toBeCloseTo(data.data[0]!.embedding[0]!, 5);
    expect(await lab.row(logId(response))).toMatchObject({ outcome: "served", endpoint: "/v1/embeddings", backend: "embed", promptTokens: data.usage.prompt_tokens });
  });

  test("an input longer than the embedding model's 512 tokens is vLLM's 400 (BadRequestError)", async () => {
    const error = await client.embeddings.create({ model: EMBEDDING_MODEL, input: words(600) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toMatch(/maximum context length is 512 tokens/);
  });
});

describe("abort", () => {
  test("aborting mid-stream with an AbortController ends the stream for the client at once; the row is client_abort", async () => {
    const controller = new AbortController();
    // vLLM's ignore_eos keeps the simulator generating 2000 tokens (20 s): only the abort can end it in time.
    const body = { model: "fast", messages: hello, stream: true as const, max_tokens: 2000, ignore_eos: true };
    const { data: stream, response } = await client.chat.completions.create(body, { signal: controller.signal }).withResponse();
    let deltas = 0;
    const consume = async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) deltas++;
        if (deltas === 5) controller.abort();
      }
    };
    // openai-node ends the iteration quietly when its own signal aborts it (an abort the caller asked for is no error).
    await consume();
    expect(deltas).toBe(5);
    expect(controller.signal.aborted).toBe(true);
    const row = await lab.row(logId(response));
    expect(row).toMatchObject({ outcome: "client_abort", backend: "qwen-7b", stream: true });
    expect(row.durationMs).toBeLessThan(10_000);
    // The abort reached vLLM: the simulator stopped generating for this request (its slot is free again).
    const sentId = response.headers.get("x-request-id");
    await waitFor(async () => (await lab.simAborts("qwen-7b")).includes(sentId), "the simulator's abort record");
  });
});

describe("every error class the SDK maps", () => {
  /** The error a call rejects with, checked to be an APIError. */
  async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
    const error = await call.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    return error as InstanceType<typeof OpenAI.APIError>;
  }
  const logIdOf = (error: InstanceType<typeof OpenAI.APIError>) => error.headers?.get("x-switchyard-log-id");

  test("400 BadRequestError: vLLM's own sampling-parameter message (temperature -1)", async () => {
    const error = await apiError(client.chat.completions.create({ model: "fast", messages: hello, temperature: -1 }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.message).toContain("temperature must be non-negative, got -1.0.");
    expect(await lab.row(logIdOf(error))).toMatchObject({ outcome: "bad_request", status: 400 });
  });

  test("400 BadRequestError: a prompt longer than the context, with vLLM's context-length message", async () => {
    const error = await apiError(client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: words(34_000) }] }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toMatch(/maximum context length is 32768 tokens/);
    expect(await lab.row(logIdOf(error))).toMatchObject({ outcome: "bad_request", status: 400 });
  });

  test("401 AuthenticationError: a wrong key", async () => {
    const stranger = new OpenAI({ baseURL: lab.baseURL, apiKey: "sk-not-a-key", maxRetries: 0 });
    const error = await apiError(stranger.chat.completions.create({ model: "fast", messages: hello }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.status).toBe(401);
    expect(error.type).toBe("authentication_error");
    expect(await lab.row(logIdOf(error))).toMatchObject({ outcome: "rejected", status: 401, apiKeyName: null });
  });

  test("403 PermissionDeniedError: a key not allowed the model; the model it is allowed works", async () => {
    const limited = new OpenAI({ baseURL: lab.baseURL, apiKey: lab.keys.fastOnly, maxRetries: 0 });
    const error = await apiError(limited.chat.completions.create({ model: "reasoning", messages: hello }));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error.status).toBe(403);
    expect(await lab.row(logIdOf(error))).toMatchObject({ outcome: "rejected", status: 403, apiKeyName: "client-suite-fast-only" });
    expect((await limited.chat.completions.create({ model: "fast", messages: hello, max_tokens: 4 })).choices[0]?.message.content).toBeTruthy();
  });

  test("404 NotFoundError: an unknown model, naming what is served", async () => {
    const error = await apiError(client.chat.completions.create({ model: "gpt-4o", messages: hello }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.status).toBe(404);
    expect(error.message).toContain("fast");
    expect(await lab.row(logIdOf(error))).toMatchObject({ outcome: "bad_request", status: 404, requestedModel: "gpt-4o" });
  });

  test("413: a body over the gateway's limit is an APIError with status 413, in OpenAI's error shape", async () => {
    const error = await apiError(client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "x".repeat(MAX_BODY_BYTES + 1024) }] }));
    expect(error.status).toBe(413);
    expect(error.code).toBe("body_too_large");
  });

  test("429 RateLimitError: a key's requests per minute, with Retry-After", async () => {
    const oncePerMinute = await lab.createKey({ name: "client-suite-once-per-minute", requestsPerMinute: 1 });
    const limited = new OpenAI({ baseURL: lab.baseURL, apiKey: oncePerMinute, maxRetries: 0 });
    await limited.chat.completions.create({ model: "fast", messages: hello, max_tokens: 4 });
    const error = await apiError(limited.chat.completions.create({ model: "fast", messages: hello, max_tokens: 4 }));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.status).toBe(429);
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThan(0);
    expect(await lab.row(logIdOf(error))).toMatchObject({ outcome: "rejected", status: 429 });
  });

  test("503 InternalServerError: a model offline in this mode, with Retry-After, which the SDK honours when it may retry", async () => {
    const error = await apiError(client.chat.completions.create({ model: OFFLINE_MODEL, messages: hello }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(503);
    expect(error.headers?.get("retry-after")).toBe(String(RETRY_AFTER_SECONDS));
    expect(error.message).toContain("deep");
    const first = await lab.row(logIdOf(error));
    expect(first).toMatchObject({ outcome: "rejected", status: 503 });

    // With one retry allowed the SDK waits the Retry-After before asking again: two rows, a second apart.
    const patient = new OpenAI({ baseURL: lab.baseURL, apiKey: lab.keys.all, maxRetries: 1 });
    const retried = await apiError(patient.chat.completions.create({ model: OFFLINE_MODEL, messages: hello }));
    expect(retried.status).toBe(503);
    await lab.app.switchyard.requestLog.flush();
    const rows = await lab.app.switchyard.db.requestLog.findMany({ where: { id: { gt: first.id }, requestedModel: OFFLINE_MODEL }, orderBy: { id: "asc" } });
    expect(rows).toHaveLength(2);
    expect(rows[1]!.receivedAt.getTime() - rows[0]!.receivedAt.getTime()).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000 - 50);
  });

  test("504 InternalServerError: no first token within the gateway's timeout", async () => {
    await lab.setFaults("qwen-7b", { hangBeforeFirstToken: true });
    try {
      const started = Date.now();
      const error = await apiError(client.chat.completions.create({ model: "fast", messages: hello, stream: true }));
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect(error.status).toBe(504);
      expect(Date.now() - started).toBeGreaterThanOrEqual(FIRST_TOKEN_TIMEOUT_SECONDS * 1000 - 100);
      expect(await lab.row(logIdOf(error))).toMatchObject({ outcome: "timeout", status: 504, backend: "qwen-7b" });
    } finally {
      await lab.setFaults("qwen-7b", { hangBeforeFirstToken: false });
    }
  });
});
