import {
  APICallError,
  embed,
  embedMany,
  generateObject,
  generateText,
  RetryError,
  stepCountIs,
  streamText,
  tool,
  type EmbeddingModel,
  type LanguageModel,
} from "ai";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { EMBEDDING_DIM, EMBEDDING_MODEL, OFFLINE_MODEL, requestId, RETRY_AFTER_SECONDS, type ClientLab } from "./lab";

/**
 * The Vercel AI SDK (`ai`) against the lab, shared by its two OpenAI providers (lib/clients/ai-sdk-*.int.test.ts):
 * what an application built on generateText, streamText, tools, generateObject and embed sees. A provider is
 * built per API key, as an application would configure it.
 */
export interface AiSdkProvider {
  /** A language model on the given API (chat completions, or the Responses API where the provider defaults to it). */
  model(lab: ClientLab, modelId: string, apiKey?: string): LanguageModel;
  embeddingModel(lab: ClientLab, modelId: string): EmbeddingModel;
  /** providerOptions that put extra fields into the request body, if the provider passes any through. */
  extraBody?: (fields: Record<string, boolean | number | string>) => Record<string, Record<string, boolean | number | string>>;
  /** The endpoint the language model calls. */
  endpoint: "/v1/chat/completions" | "/v1/responses";
}

export const Weather = z.object({ city: z.string(), celsius: z.number(), conditions: z.enum(["sunny", "cloudy", "rain"]) });
const prompt = "Say hello to the lab.";

const header = (headers: Record<string, string> | undefined, name: string) => headers?.[name] ?? null;

/** The call's error: an APICallError, also when it came out of a RetryError (maxRetries > 0). */
async function apiCallError(call: Promise<unknown>): Promise<APICallError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(APICallError.isInstance(error), String(error)).toBe(true);
  return error as APICallError;
}

export function describeAiSdk(label: string, getLab: () => ClientLab, provider: AiSdkProvider): void {
  const model = (modelId: string, apiKey?: string) => provider.model(getLab(), modelId, apiKey);

  describe(`${label}: text`, () => {
    test("generateText: the text arrives, and the row has the backend, the key and the SDK's token counts", async () => {
      const result = await generateText({ model: model("fast"), prompt, maxRetries: 0 });
      expect(result.text.length).toBeGreaterThan(0);
      expect(result.finishReason).toBe("stop");
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      const row = await getLab().row(header(result.response.headers, "x-switchyard-log-id"));
      expect(row).toMatchObject({
        outcome: "served",
        endpoint: provider.endpoint,
        backend: "qwen-7b",
        apiKeyName: "client-suite",
        promptTokens: result.usage.inputTokens,
        completionTokens: result.usage.outputTokens,
      });
    });

    test("streamText: the text streams in pieces, and the usage it reports is the row's", async () => {
      const result = streamText({ model: model("reasoning"), prompt, maxRetries: 0 });
      const pieces: string[] = [];
      for await (const piece of result.textStream) pieces.push(piece);
      expect(pieces.length).toBeGreaterThan(1);
      expect(pieces.join("")).toBe(await result.text);
      const usage = await result.usage;
      expect(usage.outputTokens).toBeGreaterThan(0);
      const row = await getLab().row(header((await result.response).headers, "x-switchyard-log-id"));
      expect(row).toMatchObject({ outcome: "served", stream: true, backend: "qwen-14b", promptTokens: usage.inputTokens, completionTokens: usage.outputTokens });
    });
  });

  describe(`${label}: tools and structured output`, () => {
    test("a tool with zod parameters is called with valid input, its result goes back, and the final answer is text (stopWhen)", async () => {
      const calls: unknown[] = [];
      const id = requestId("ai-tools");
      const result = await generateText({
        model: model("fast"),
        prompt: "What is the weather in Oslo?",
        maxRetries: 0,
        headers: { "x-request-id": id },
        tools: {
          get_weather: tool({
            description: "Weather in a city",
            inputSchema: z.object({ city: z.string(), unit: z.enum(["celsius", "fahrenheit"]) }),
            execute: async (input) => {
              calls.push(input);
              return { celsius: 4, conditions: "rain" };
            },
          }),
        },
        stopWhen: stepCountIs(3),
      });
      expect(result.steps).toHaveLength(2);
      expect(result.steps[0]?.finishReason).toBe("tool-calls");
      expect(result.steps[0]?.toolCalls[0]?.toolName).toBe("get_weather");
      expect(calls).toHaveLength(1);
      expect(z.object({ city: z.string(), unit: z.enum(["celsius", "fahrenheit"]) }).safeParse(calls[0]).success).toBe(true);
      expect(result.finishReason).toBe("stop");
      expect(result.text.length).toBeGreaterThan(0);
      const [first, second] = await Promise.all(result.steps.map((step) => getLab().row(header(step.response.headers, "x-switchyard-log-id"))));
      expect(first).toMatchObject({ outcome: "served", clientRequestId: id, finishReason: provider.endpoint === "/v1/responses" ? "completed" : "tool_calls" });
      expect(second).toMatchObject({ outcome: "served", clientRequestId: id });
    });

    test("generateObject with a zod schema: the object validates", async () => {
      const result = await generateObject({ model: model("fast"), schema: Weather, schemaName: "weather", prompt: "Weather report for Quito.", maxRetries: 0 });
      expect(Weather.parse(result.object)).toEqual(result.object);
      expect(await getLab().row(header(result.response.headers, "x-switchyard-log-id"))).toMatchObject({ outcome: "served", endpoint: provider.endpoint });
    });
  });

  describe(`${label}: embeddings`, () => {
    test("embed and embedMany: unit vectors of the model's size, from the embedding backend", async () => {
      const id = requestId("ai-embed");
      const one = await embed({ model: provider.embeddingModel(getLab(), EMBEDDING_MODEL), value: "the lab", maxRetries: 0, headers: { "x-request-id": id } });
      expect(one.embedding).toHaveLength(EMBEDDING_DIM);
      expect(Math.hypot(...one.embedding)).toBeCloseTo(1, 3);
      expect(await getLab().rowOfRequest(id)).toMatchObject({ outcome: "served", endpoint: "/v1/embeddings", backend: "embed", promptTokens: one.usage.tokens });

      const many = await embedMany({ model: provider.embeddingModel(getLab(), EMBEDDING_MODEL), values: ["the lab", "the gateway", "the GPUs"], maxRetries: 0 });
      expect(many.embeddings).toHaveLength(3);
      expect(many.embeddings[0]).toEqual(one.embedding);
      expect(many.embeddings[1]).not.toEqual(one.embedding);
    });
  });

  describe(`${label}: abort`, () => {
    test("an abortSignal mid-stream stops the stream; the row is client_abort", async () => {
      const controller = new AbortController();
      const id = requestId("ai-abort");
      let aborted = false;
      const result = streamText({
        model: model("fast"),
        prompt,
        maxRetries: 0,
        abortSignal: controller.signal,
        headers: { "x-request-id": id },
        // The provider's way to send vLLM's ignore_eos, where it has one: the simulator then generates 2000 tokens (20 s).
        // Without it the answer is 16-64 tokens at 100 per second, still far from done at the fifth.
        maxOutputTokens: 2000,
        ...(provider.extraBody ? { providerOptions: provider.extraBody({ ignore_eos: true }) } : {}),
        onAbort: () => {
          aborted = true;
        },
      });
      let pieces = 0;
      try {
        for await (const piece of result.textStream) {
          if (piece) pieces++;
          if (pieces === 5) controller.abort();
        }
      } catch (error) {
        // Some versions end the text stream with the AbortError instead of quietly.
        expect((error as Error).name).toBe("AbortError");
      }
      expect(aborted).toBe(true);
      expect(pieces).toBeLessThan(20);
      const row = await getLab().rowOfRequest(id);
      expect(row).toMatchObject({ outcome: "client_abort", backend: "qwen-7b", stream: true });
      expect(row.durationMs).toBeLessThan(10_000);
    });
  });

  describe(`${label}: errors are APICallErrors with the status`, () => {
    test("400: vLLM's parameter error (temperature -1) is not retried", async () => {
      const error = await apiCallError(generateText({ model: model("fast"), prompt, temperature: -1, maxRetries: 0 }));
      expect(error.statusCode).toBe(400);
      expect(error.isRetryable).toBe(false);
      expect(error.message).toContain("temperature must be non-negative");
      expect(await getLab().row(header(error.responseHeaders, "x-switchyard-log-id"))).toMatchObject({ outcome: "bad_request", status: 400 });
    });

    test("401: a wrong key; 403: a key not allowed the model", async () => {
      const unknown = await apiCallError(generateText({ model: model("fast", "sk-not-a-key"), prompt, maxRetries: 0 }));
      expect(unknown.statusCode).toBe(401);
      const forbidden = await apiCallError(generateText({ model: model("reasoning", getLab().keys.fastOnly), prompt, maxRetries: 0 }));
      expect(forbidden.statusCode).toBe(403);
      expect(await getLab().row(header(forbidden.responseHeaders, "x-switchyard-log-id"))).toMatchObject({ outcome: "rejected", status: 403, apiKeyName: "client-suite-fast-only" });
    });

    test("404: an unknown model", async () => {
      const error = await apiCallError(generateText({ model: model("gpt-4o"), prompt, maxRetries: 0 }));
      expect(error.statusCode).toBe(404);
      expect(error.isRetryable).toBe(false);
    });

    test("429: a key's requests per minute, retryable, with Retry-After", async () => {
      const oncePerMinute = await getLab().createKey({ name: "client-suite-once-per-minute", requestsPerMinute: 1 });
      await generateText({ model: model("fast", oncePerMinute), prompt, maxOutputTokens: 4, maxRetries: 0 });
      const error = await apiCallError(generateText({ model: model("fast", oncePerMinute), prompt, maxRetries: 0 }));
      expect(error.statusCode).toBe(429);
      expect(error.isRetryable).toBe(true);
      expect(Number(header(error.responseHeaders, "retry-after"))).toBeGreaterThan(0);
    });

    test("503: a model offline in this mode, retryable; with retries the SDK waits the Retry-After between attempts", async () => {
      const error = await apiCallError(generateText({ model: model(OFFLINE_MODEL), prompt, maxRetries: 0 }));
      expect(error.statusCode).toBe(503);
      expect(error.isRetryable).toBe(true);
      expect(header(error.responseHeaders, "retry-after")).toBe(String(RETRY_AFTER_SECONDS));

      const id = requestId("ai-503");
      const retried = await generateText({ model: model(OFFLINE_MODEL), prompt, maxRetries: 1, headers: { "x-request-id": id } }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(RetryError.isInstance(retried)).toBe(true);
      expect((retried as RetryError).errors).toHaveLength(2);
      await getLab().app.switchyard.requestLog.flush();
      const rows = await getLab().app.switchyard.db.requestLog.findMany({ where: { clientRequestId: id }, orderBy: { id: "asc" } });
      expect(rows.map((row) => row.status)).toEqual([503, 503]);
      expect(rows[1]!.receivedAt.getTime() - rows[0]!.receivedAt.getTime()).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000 - 50);
    });
  });
}
