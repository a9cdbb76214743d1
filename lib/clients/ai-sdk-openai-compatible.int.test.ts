import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, streamText } from "ai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { describeAiSdk } from "./ai-sdk-suite";
import { startClientLab, type ClientLab } from "./lab";

/**
 * `ai` with `@ai-sdk/openai-compatible` (createOpenAICompatible), the provider the AI SDK documents for vLLM, against
 * the whole app on the simulated lab, every call with an API key. The shared cases are in ai-sdk-suite.ts.
 */
let lab: ClientLab;

beforeAll(async () => {
  lab = await startClientLab();
}, 90_000);

afterAll(async () => {
  await lab?.close();
});

/** As a vLLM user configures it: usage in streams, and structured outputs (vLLM supports json_schema). */
function vllm(apiKey: string, options: { includeUsage?: boolean } = {}) {
  return createOpenAICompatible({ name: "vllm", baseURL: lab.baseURL, apiKey, includeUsage: options.includeUsage ?? true, supportsStructuredOutputs: true });
}

describeAiSdk("@ai-sdk/openai-compatible", () => lab, {
  model: (l, modelId, apiKey) => vllm(apiKey ?? l.keys.all).chatModel(modelId),
  embeddingModel: (l, modelId) => vllm(l.keys.all).embeddingModel(modelId),
  extraBody: (fields) => ({ vllm: fields }),
  endpoint: "/v1/chat/completions",
});

describe("@ai-sdk/openai-compatible: usage", () => {
  test("without includeUsage a stream reports no token counts (none were asked for), while the row still has them", async () => {
    const result = streamText({ model: vllm(lab.keys.all, { includeUsage: false }).chatModel("fast"), prompt: "Say hello.", maxRetries: 0 });
    const text = await result.text;
    expect(text.length).toBeGreaterThan(0);
    expect((await result.usage).outputTokens).toBeUndefined();
    const row = await lab.row((await result.response).headers?.["x-switchyard-log-id"]);
    expect(row).toMatchObject({ outcome: "served", stream: true });
    expect(row.completionTokens).toBeGreaterThan(0);
  });

  test("provider options reach vLLM: ignore_eos with maxOutputTokens generates exactly that many tokens", async () => {
    const result = await generateText({
      model: vllm(lab.keys.all).chatModel("fast"),
      prompt: "Count.",
      maxOutputTokens: 40,
      providerOptions: { vllm: { ignore_eos: true } },
      maxRetries: 0,
    });
    expect(result.usage.outputTokens).toBe(40);
    expect(result.finishReason).toBe("length");
  });
});
