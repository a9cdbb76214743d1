import { createOpenAI } from "@ai-sdk/openai";
import { afterAll, beforeAll } from "vitest";
import { describeAiSdk } from "./ai-sdk-suite";
import { startClientLab, type ClientLab } from "./lab";

/**
 * `ai` with `@ai-sdk/openai` (createOpenAI with a baseURL), against the whole app on the simulated lab, every call
 * with an API key: both the chat-completions model (`openai.chat(id)`) and the provider's default, which since
 * @ai-sdk/openai 2 is the Responses API (`openai(id)`). The shared cases are in ai-sdk-suite.ts.
 */
let lab: ClientLab;

beforeAll(async () => {
  lab = await startClientLab();
}, 90_000);

afterAll(async () => {
  await lab?.close();
});

const provider = (apiKey: string) => createOpenAI({ baseURL: lab.baseURL, apiKey });

describeAiSdk("@ai-sdk/openai chat", () => lab, {
  model: (l, modelId, apiKey) => provider(apiKey ?? l.keys.all).chat(modelId),
  embeddingModel: (l, modelId) => provider(l.keys.all).embedding(modelId),
  endpoint: "/v1/chat/completions",
});

describeAiSdk("@ai-sdk/openai default (Responses API)", () => lab, {
  model: (l, modelId, apiKey) => provider(apiKey ?? l.keys.all)(modelId),
  embeddingModel: (l, modelId) => provider(l.keys.all).embedding(modelId),
  endpoint: "/v1/responses",
});
