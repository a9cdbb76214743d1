import OpenAI from "openai";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startSimulator, type RunningSimulator } from "./server";

// The official client pointed at the simulator must parse everything it sends without complaint.
let sim: RunningSimulator;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator({ servedModel: "qwen2.5-7b-instruct", zeroLatency: true });
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => sim.close());

test("models.list", async () => {
  const page = await client.models.list();
  expect(page.data.map((m) => m.id)).toEqual(["qwen2.5-7b-instruct"]);
});

test("a non-streamed chat completion", async () => {
  const completion = await client.chat.completions.create({
    model: "qwen2.5-7b-instruct",
    messages: [{ role: "user", content: "Hello" }],
    max_tokens: 8,
  });
  expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
  expect(completion.choices[0]?.finish_reason).toBe("length");
  expect(completion.usage?.completion_tokens).toBe(8);
});

test("a streamed chat completion with usage", async () => {
  const stream = await client.chat.completions.create({
    model: "qwen2.5-7b-instruct",
    messages: [{ role: "user", content: "Hello" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let deltas = 0;
  let finish: string | null = null;
  let completionTokens = -1;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (choice?.delta.content) {
      text += choice.delta.content;
      deltas++;
    }
    if (choice?.finish_reason) finish = choice.finish_reason;
    if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
  }
  expect(text.length).toBeGreaterThan(0);
  expect(finish).toBe("stop");
  expect(completionTokens).toBe(deltas);
});

test("streamed tool calls assemble with the SDK's helper", async () => {
  const runner = client.chat.completions.stream({
    model: "qwen2.5-7b-instruct",
    messages: [{ role: "user", content: "Weather in Oslo?" }],
    tools: [
      {
        type: "function",
        function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      },
    ],
  });
  const final = await runner.finalChatCompletion();
  const call = final.choices[0]?.message.tool_calls?.[0];
  expect(call?.type).toBe("function");
  if (call?.type !== "function") throw new Error("no function call");
  expect(call.function.name).toBe("get_weather");
  expect(JSON.parse(call.function.arguments)).toEqual({ city: expect.any(String) });
  expect(final.choices[0]?.finish_reason).toBe("tool_calls");
});

test("embeddings (the SDK asks for base64 by default)", async () => {
  const embed = await startSimulator({ servedModel: "bge", kind: "embedding", embeddingDim: 16, zeroLatency: true });
  try {
    const c = new OpenAI({ baseURL: `${embed.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const result = await c.embeddings.create({ model: "bge", input: "hello" });
    expect(result.data[0]?.embedding).toHaveLength(16);
    expect(Math.hypot(...(result.data[0]?.embedding ?? []))).toBeCloseTo(1, 5);
  } finally {
    await embed.close();
  }
});

test("errors surface as typed API errors", async () => {
  await expect(client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({
    status: 404,
    type: "NotFoundError",
  });
});
