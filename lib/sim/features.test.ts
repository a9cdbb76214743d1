import OpenAI from "openai";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { startSimulator, type RunningSimulator } from "./server";
import { schemaProblems } from "./schema-check";
import { postJson, sseChunks } from "./test-support";
import { VOCAB_SIZE } from "./vocabulary";

// Structured output, logprobs, Responses function tools and vLLM's parameter errors, over HTTP.
let sim: RunningSimulator;
let client: OpenAI;
const messages = [{ role: "user", content: "Describe a city." }];
const post = (path: string, body: unknown) => postJson(sim.url, path, body);

beforeAll(async () => {
  sim = await startSimulator({ servedModel: "qwen", zeroLatency: true });
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => sim.close());

const City = z.object({ name: z.string(), population: z.number().int().min(0), tags: z.array(z.enum(["old", "big", "green"])), mayor: z.string().nullable() });
const citySchema = z.toJSONSchema(City);

describe("structured output", () => {
  test("client.chat.completions.parse with a zod response format", async () => {
    const completion = await client.chat.completions.parse({ model: "qwen", messages: [{ role: "user", content: "A city" }], response_format: zodResponseFormat(City, "city") });
    expect(City.safeParse(completion.choices[0]?.message.parsed).success).toBe(true);
  });

  test("client.responses.parse with a zod text format", async () => {
    const response = await client.responses.parse({ model: "qwen", input: "A city", text: { format: zodTextFormat(City, "city") } });
    expect(City.safeParse(response.output_parsed).success).toBe(true);
  });

  test("json_schema streamed: the concatenated deltas parse and validate", async () => {
    const res = await post("/v1/chat/completions", { messages, stream: true, response_format: { type: "json_schema", json_schema: { name: "c", schema: citySchema } } });
    const text = sseChunks<{ choices: { delta: { content?: string } }[] }>(await res.text())
      .map((c) => c.choices[0]?.delta.content ?? "")
      .join("");
    expect(schemaProblems(JSON.parse(text), citySchema)).toEqual([]);
  });

  test("json_object and guided_choice", async () => {
    const obj = await (await post("/v1/chat/completions", { messages, response_format: { type: "json_object" } })).json();
    expect(typeof JSON.parse(obj.choices[0].message.content)).toBe("object");
    const choice = await (await post("/v1/chat/completions", { messages, guided_choice: ["yes", "no"] })).json();
    expect(["yes", "no"]).toContain(choice.choices[0].message.content);
  });
});

describe("logprobs", () => {
  test("chat: one entry per token, sampled first, top entries sorted and sized as asked", async () => {
    const body = await (await post("/v1/chat/completions", { messages, logprobs: true, top_logprobs: 3, max_tokens: 6 })).json();
    const content = body.choices[0].logprobs.content as { token: string; logprob: number; bytes: number[]; top_logprobs: { token: string; logprob: number }[] }[];
    expect(content).toHaveLength(6);
    expect(content.map((c) => c.token).join("")).toBe(body.choices[0].message.content);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.bytes).toEqual([...Buffer.from(entry.token)]);
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.top_logprobs[0]?.token).toBe(entry.token);
      const values = entry.top_logprobs.map((t) => t.logprob);
      expect([...values].sort((a, b) => b - a)).toEqual(values);
    }
    const stream = sseChunks<{ choices: { logprobs: { content: unknown[] } | null }[] }>(
      await (await post("/v1/chat/completions", { messages, logprobs: true, stream: true, max_tokens: 4 })).text(),
    );
    expect(stream.slice(1, -1).every((c) => c.choices[0]?.logprobs?.content.length === 1)).toBe(true);
    expect((await (await post("/v1/chat/completions", { messages, max_tokens: 2 })).json()).choices[0].logprobs).toBeNull();
  });

  test("completions: parallel arrays and one map per token", async () => {
    const body = await (await post("/v1/completions", { prompt: "Once", logprobs: 2, max_tokens: 5 })).json();
    const lp = body.choices[0].logprobs;
    expect(lp.tokens).toHaveLength(5);
    expect(lp.token_logprobs).toHaveLength(5);
    expect(lp.text_offset[0]).toBe(0);
    expect(lp.tokens.join("")).toBe(body.choices[0].text);
    for (const map of lp.top_logprobs) expect(Object.keys(map)).toHaveLength(2);
  });
});

describe("vLLM's parameter validation", () => {
  test.each([
    ["/v1/chat/completions", { messages, temperature: -1 }, "temperature must be non-negative, got -1.0.", "BadRequestError"],
    ["/v1/chat/completions", { messages, top_p: 5 }, "top_p must be in (0, 1], got 5.0.", "BadRequestError"],
    ["/v1/chat/completions", { messages, logprobs: true, top_logprobs: 50 }, "Requested sample logprobs of 50, which is greater than max allowed: 20", "BadRequestError"],
    ["/v1/chat/completions", { messages, top_logprobs: 2 }, "when using `top_logprobs`, `logprobs` must be set to true.", "Bad Request"],
    ["/v1/completions", { prompt: "x", suffix: "y" }, "suffix is not currently supported", "BadRequestError"],
    ["/v1/completions", { prompt: "x", logprobs: 21 }, "Requested sample logprobs of 21, which is greater than max allowed: 20", "BadRequestError"],
    ["/v1/completions", { prompt: "x", max_tokens: 4, min_tokens: 5 }, "min_tokens must be less than or equal to max_tokens=4, got 5.", "BadRequestError"],
  ])("%s %j", async (route, body, message, type) => {
    const res = await post(route, body);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ message, type, code: 400 });
  });
});

describe("Responses API function tools", () => {
  const tools = [{ type: "function" as const, name: "get_weather", strict: true, parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } }, required: ["city", "unit"], additionalProperties: false } }];

  test("calls the tool with arguments valid for its schema", async () => {
    const response = await client.responses.create({ model: "qwen", input: "Weather in Paris?", tools });
    const call = response.output[0];
    expect(call?.type).toBe("function_call");
    if (call?.type !== "function_call") return;
    expect(call).toMatchObject({ name: "get_weather", status: "completed", call_id: expect.stringMatching(/^call_/), id: expect.stringMatching(/^fc_/) });
    expect(schemaProblems(JSON.parse(call.arguments), tools[0]?.parameters)).toEqual([]);
    // With the tool's result sent back, the model answers in text.
    const next = await client.responses.create({
      model: "qwen",
      tools,
      input: [{ role: "user", content: "Weather in Paris?" }, call, { type: "function_call_output", call_id: call.call_id, output: "sunny" }],
    });
    expect(next.output[0]?.type).toBe("message");
    expect(next.output_text.length).toBeGreaterThan(0);
  });

  test("streamed: item added, argument deltas, done events, in order", async () => {
    const stream = await client.responses.create({ model: "qwen", input: "Weather?", tools, stream: true });
    const types: string[] = [];
    let args = "";
    let done = "";
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.function_call_arguments.delta") args += event.delta;
      if (event.type === "response.function_call_arguments.done") done = event.arguments;
    }
    expect(types[0]).toBe("response.created");
    expect(types).toContain("response.output_item.added");
    expect(types.at(-1)).toBe("response.completed");
    expect(types.indexOf("response.function_call_arguments.done")).toBeLessThan(types.indexOf("response.output_item.done"));
    expect(args).toBe(done);
    expect(schemaProblems(JSON.parse(done), tools[0]?.parameters)).toEqual([]);
  });
});

test("token ids stay inside the vocabulary (return_token_ids and /tokenize)", async () => {
  const body = await (await post("/v1/chat/completions", { messages, return_token_ids: true, max_tokens: 8 })).json();
  const ids = [...body.prompt_token_ids, ...body.choices[0].token_ids] as number[];
  expect(ids.length).toBe(body.usage.total_tokens);
  expect(ids.every((id) => id >= 0 && id < VOCAB_SIZE)).toBe(true);
  const tok = await (await post("/tokenize", { prompt: "Emoji 🚀 and 日本語" })).json();
  expect(tok.tokens.every((id: number) => id < VOCAB_SIZE)).toBe(true);
});
