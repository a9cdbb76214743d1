import { AIMessageChunk, HumanMessage, ToolMessage, type AIMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { EMBEDDING_DIM, EMBEDDING_MODEL, OFFLINE_MODEL, requestId, startClientLab, type ClientLab } from "./lab";

/**
 * `@langchain/openai` (ChatOpenAI, OpenAIEmbeddings) against the whole app on the simulated lab, every call with an
 * API key. LangChain shows no response headers, so each test finds its log rows by the x-request-id it sent.
 */
let lab: ClientLab;

beforeAll(async () => {
  lab = await startClientLab();
}, 90_000);

afterAll(async () => {
  await lab?.close();
});

const Weather = z.object({ city: z.string(), celsius: z.number(), conditions: z.enum(["sunny", "cloudy", "rain"]) });
const WeatherArgs = z.object({ city: z.string(), unit: z.enum(["celsius", "fahrenheit"]) });

/** ChatOpenAI as an application configures it for a vLLM server: a base URL and a key; here also a request id to find its rows. */
function chatModel(model: string, options: { apiKey?: string; requestId?: string; streamUsage?: boolean; maxRetries?: number } = {}) {
  return new ChatOpenAI({
    model,
    apiKey: options.apiKey ?? lab.keys.all,
    maxRetries: options.maxRetries ?? 0,
    streamUsage: options.streamUsage ?? true,
    configuration: { baseURL: lab.baseURL, defaultHeaders: options.requestId ? { "x-request-id": options.requestId } : {} },
  });
}

describe("ChatOpenAI", () => {
  test("invoke: the answer arrives with usage metadata, and the row has the backend, the key and the same tokens", async () => {
    const id = requestId("lc-invoke");
    const message = await chatModel("fast", { requestId: id }).invoke("Say hello to the lab.");
    expect(typeof message.content).toBe("string");
    expect((message.content as string).length).toBeGreaterThan(0);
    expect(message.response_metadata.finish_reason).toBe("stop");
    expect(message.usage_metadata?.output_tokens).toBeGreaterThan(0);
    expect(await lab.rowOfRequest(id)).toMatchObject({
      outcome: "served",
      backend: "qwen-7b",
      apiKeyName: "client-suite",
      promptTokens: message.usage_metadata?.input_tokens,
      completionTokens: message.usage_metadata?.output_tokens,
    });
  });

  test("stream: chunks concatenate to the answer and the usage (streamUsage) matches the row", async () => {
    const id = requestId("lc-stream");
    let full: AIMessageChunk | undefined;
    let chunks = 0;
    for await (const chunk of await chatModel("reasoning", { requestId: id }).stream([new HumanMessage("Say hello.")])) {
      chunks++;
      full = full ? full.concat(chunk) : chunk;
    }
    expect(chunks).toBeGreaterThan(2);
    expect((full?.content as string).length).toBeGreaterThan(0);
    expect(full?.usage_metadata?.output_tokens).toBeGreaterThan(0);
    expect(await lab.rowOfRequest(id)).toMatchObject({ outcome: "served", stream: true, backend: "qwen-14b", completionTokens: full?.usage_metadata?.output_tokens });
  });

  test("stream without streamUsage: no usage metadata reaches the app, the row still counts the tokens", async () => {
    const id = requestId("lc-stream-no-usage");
    let full: AIMessageChunk | undefined;
    for await (const chunk of await chatModel("fast", { requestId: id, streamUsage: false }).stream("Say hello.")) full = full ? full.concat(chunk) : chunk;
    expect((full?.content as string).length).toBeGreaterThan(0);
    expect(full?.usage_metadata).toBeUndefined();
    const row = await lab.rowOfRequest(id);
    expect(row.completionTokens).toBeGreaterThan(0);
  });

  test("bindTools: the tool call arrives with parsed args that validate, and the tool's result gets a text answer", async () => {
    const id = requestId("lc-tools");
    const getWeather = tool(async ({ city }) => JSON.stringify({ city, celsius: 4, conditions: "rain" }), {
      name: "get_weather",
      description: "Weather in a city",
      schema: WeatherArgs,
    });
    const model = chatModel("fast", { requestId: id }).bindTools([getWeather]);
    const question = new HumanMessage("What is the weather in Oslo?");
    const first: AIMessage = await model.invoke([question]);
    expect(first.tool_calls).toHaveLength(1);
    const call = first.tool_calls![0]!;
    expect(call.name).toBe("get_weather");
    expect(WeatherArgs.safeParse(call.args).success).toBe(true);
    const result = (await getWeather.invoke(call)) as ToolMessage;
    expect(result).toBeInstanceOf(ToolMessage);
    const answer = await model.invoke([question, first, result]);
    expect(answer.tool_calls ?? []).toHaveLength(0);
    expect((answer.content as string).length).toBeGreaterThan(0);
    await lab.rowOfRequest(id);
    await lab.app.switchyard.requestLog.flush();
    const rows = await lab.app.switchyard.db.requestLog.findMany({ where: { clientRequestId: id }, orderBy: { id: "asc" } });
    expect(rows.map((row) => [row.outcome, row.finishReason])).toEqual([
      ["served", "tool_calls"],
      ["served", "stop"],
    ]);
  });

  test.each(["jsonSchema", "functionCalling", "default"] as const)("withStructuredOutput(zod schema), method %s: the object validates", async (method) => {
    const id = requestId("lc-structured");
    const structured = chatModel("fast", { requestId: id }).withStructuredOutput(Weather, { name: "weather", ...(method === "default" ? {} : { method }) });
    const report = await structured.invoke("Weather report for Quito.");
    expect(Weather.parse(report)).toEqual(report);
    expect(await lab.rowOfRequest(id)).toMatchObject({ outcome: "served" });
  });

  test("an AbortSignal mid-stream ends the stream; the row is client_abort", async () => {
    const id = requestId("lc-abort");
    const controller = new AbortController();
    // vLLM's ignore_eos keeps the simulator generating 2000 tokens (20 s): only the abort can end it in time.
    const model = new ChatOpenAI({
      model: "fast",
      apiKey: lab.keys.all,
      maxRetries: 0,
      maxTokens: 2000,
      modelKwargs: { ignore_eos: true },
      configuration: { baseURL: lab.baseURL, defaultHeaders: { "x-request-id": id } },
    });
    let chunks = 0;
    const consume = async () => {
      for await (const chunk of await model.stream("Count.", { signal: controller.signal })) {
        if (chunk.content) chunks++;
        if (chunks === 5) controller.abort();
      }
    };
    await expect(consume()).rejects.toThrow(/abort/i);
    expect(chunks).toBe(5);
    const row = await lab.rowOfRequest(id);
    expect(row).toMatchObject({ outcome: "client_abort", backend: "qwen-7b", stream: true });
    expect(row.durationMs).toBeLessThan(10_000);
  });
});

describe("OpenAIEmbeddings", () => {
  test("embedQuery and embedDocuments: unit vectors of the model's size, from the embedding backend", async () => {
    const id = requestId("lc-embed");
    const embeddings = new OpenAIEmbeddings({ model: EMBEDDING_MODEL, apiKey: lab.keys.all, maxRetries: 0, configuration: { baseURL: lab.baseURL, defaultHeaders: { "x-request-id": id } } });
    const query = await embeddings.embedQuery("the lab");
    expect(query).toHaveLength(EMBEDDING_DIM);
    expect(Math.hypot(...query)).toBeCloseTo(1, 3);
    const documents = await embeddings.embedDocuments(["the lab", "the gateway"]);
    expect(documents).toHaveLength(2);
    expect(documents[0]![0]).toBeCloseTo(query[0]!, 5);
    expect(documents[1]).not.toEqual(documents[0]);
    expect(await lab.rowOfRequest(id)).toMatchObject({ outcome: "served", endpoint: "/v1/embeddings", backend: "embed" });
  });
});

describe("errors reach the application with their status", () => {
  async function rejection(call: Promise<unknown>): Promise<Error & { status?: number; lc_error_code?: string }> {
    const error = await call.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    return error as Error & { status?: number; lc_error_code?: string };
  }

  test("400: vLLM's parameter error (temperature -1)", async () => {
    const model = new ChatOpenAI({ model: "fast", apiKey: lab.keys.all, maxRetries: 0, temperature: -1, configuration: { baseURL: lab.baseURL } });
    const error = await rejection(model.invoke("Hi"));
    expect(error.status).toBe(400);
    expect(error.message).toContain("temperature must be non-negative");
  });

  test("401: a wrong key is LangChain's MODEL_AUTHENTICATION", async () => {
    const error = await rejection(chatModel("fast", { apiKey: "sk-not-a-key" }).invoke("Hi"));
    expect(error.status).toBe(401);
    expect(error.lc_error_code).toBe("MODEL_AUTHENTICATION");
  });

  test("403: a key not allowed the model", async () => {
    const id = requestId("lc-403");
    const error = await rejection(chatModel("reasoning", { apiKey: lab.keys.fastOnly, requestId: id }).invoke("Hi"));
    expect(error.status).toBe(403);
    expect(await lab.rowOfRequest(id)).toMatchObject({ outcome: "rejected", status: 403, apiKeyName: "client-suite-fast-only" });
  });

  test("404: an unknown model is LangChain's MODEL_NOT_FOUND", async () => {
    const error = await rejection(chatModel("gpt-4o").invoke("Hi"));
    expect(error.status).toBe(404);
    expect(error.lc_error_code).toBe("MODEL_NOT_FOUND");
  });

  test("429: a key's requests per minute", async () => {
    const oncePerMinute = await lab.createKey({ name: "client-suite-once-per-minute", requestsPerMinute: 1 });
    await chatModel("fast", { apiKey: oncePerMinute }).invoke("Hi");
    const error = await rejection(chatModel("fast", { apiKey: oncePerMinute }).invoke("Hi"));
    expect(error.status).toBe(429);
  });

  test("503: a model offline in this mode, with the gateway's message", async () => {
    const id = requestId("lc-503");
    const error = await rejection(chatModel(OFFLINE_MODEL, { requestId: id }).invoke("Hi"));
    expect(error.status).toBe(503);
    expect(error.message).toContain("deep");
    expect(await lab.rowOfRequest(id)).toMatchObject({ outcome: "rejected", status: 503 });
  });
});
