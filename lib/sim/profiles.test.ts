import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PROFILE_NAMES, type ProfileName } from "./profiles";
import { startSimulator, type RunningSimulator } from "./server";
import { shapeOf } from "./shape";
import { postJson, sseChunks } from "./test-support";

// The simulator's answer to the same request must have the shape (keys and types) of its profile's capture.
const FIXTURES = path.join(import.meta.dirname, "fixtures", "vllm");
const capture = (name: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8"));

const CHAT_CAPTURES: Record<Exclude<ProfileName, "0.9">, string> = {
  "0.11": "chat-nonstream-v0.11.0-era-2025-10-qwen2-audio__vllm-ascend.json",
  "0.13": "chat-nonstream-v0.12-0.13-era-2025-12-reasoning+reasoning_content-qwen3-vl-30b__vllm-ascend.json",
  "0.16": "chat-nonstream-2026-02-reasoning-only-qwen3.5__vllm-ascend.json",
  "0.20": "chat-nonstream-2026-05-completion_tokens_details-nvlm__vllm-ascend.json",
  "0.21": "chat-nonstream-v0.21.0-fingerprint-qwen2.5-omni__vllm-ascend.json",
};

const sims = new Map<ProfileName, RunningSimulator>();
let embed: RunningSimulator;
const messages = [{ role: "user", content: "What does the illustration say?" }];

beforeAll(async () => {
  for (const name of PROFILE_NAMES) {
    sims.set(name, await startSimulator({ servedModel: "qwen", zeroLatency: true, vllmVersion: name, enableAutoToolChoice: name !== "0.9" }));
  }
  embed = await startSimulator({ servedModel: "jina", kind: "embedding", embeddingDim: 32, zeroLatency: true });
});
afterAll(async () => {
  await Promise.all([...sims.values(), embed].map((s) => s.close()));
});
const sim = (name: ProfileName) => sims.get(name)!;

describe("chat completion bodies have the shape of their profile's capture", () => {
  test.each(Object.entries(CHAT_CAPTURES))("%s", async (name, file) => {
    const body = await (await postJson(sim(name as ProfileName).url, "/v1/chat/completions", { messages })).json();
    expect(shapeOf(body)).toEqual(shapeOf(capture(file)));
  });

  test("0.9 (message without the OpenAI extras, no token ids)", async () => {
    const body = await (await postJson(sim("0.9").url, "/v1/chat/completions", { messages })).json();
    expect(shapeOf(body)).toEqual(shapeOf(capture("chat-nonstream-enable_thinking-false-v0.9.2-qwen3-0.6b__Zerohertz-pycon-kr-2025.jq-pretty.json")));
  });

  test("0.9 tool call (hermes)", async () => {
    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } } }];
    const strictOld = await startSimulator({ servedModel: "qwen", zeroLatency: true, vllmVersion: "0.9" });
    try {
      const body = await (await postJson(strictOld.url, "/v1/chat/completions", { messages, tools })).json();
      const real = capture("chat-nonstream-toolcall-v0.9.x-qwen3-0.6b__Zerohertz-pycon-kr-2025.jq-pretty.json") as typeof body;
      expect(shapeOf(body.choices[0].message.tool_calls)).toEqual(shapeOf(real.choices[0].message.tool_calls));
      expect(body.choices[0].finish_reason).toBe(real.choices[0].finish_reason);
      expect(JSON.parse(body.choices[0].message.tool_calls[0].function.arguments)).toEqual({ location: expect.any(String) });
    } finally {
      await strictOld.close();
    }
  });

  test("reasoning goes in the profile's field(s)", async () => {
    for (const [name, fields] of [["0.11", ["reasoning_content"]], ["0.13", ["reasoning", "reasoning_content"]], ["0.21", ["reasoning"]]] as const) {
      const thinker = await startSimulator({ servedModel: "qwen", zeroLatency: true, vllmVersion: name, reasoning: true });
      try {
        const body = await (await postJson(thinker.url, "/v1/chat/completions", { messages })).json();
        const message = body.choices[0].message;
        for (const field of fields) expect(typeof message[field], `${name} ${field}`).toBe("string");
        expect(Object.keys(message).filter((k) => k.startsWith("reasoning"))).toEqual([...fields]);
        const off = await (await postJson(thinker.url, "/v1/chat/completions", { messages, chat_template_kwargs: { enable_thinking: false } })).json();
        for (const field of fields) expect(off.choices[0].message[field]).toBeNull();
        const stream = sseChunks<{ choices: { delta: Record<string, string> }[] }>(
          await (await postJson(thinker.url, "/v1/chat/completions", { messages, stream: true })).text(),
        );
        const reasoningText = stream.map((c) => c.choices[0]?.delta[fields[0]] ?? "").join("");
        expect(reasoningText).toBe(message[fields[0]]);
      } finally {
        await thinker.close();
      }
    }
  });
});

test("stream chunks have the shape of the v0.9.2 capture (role, content, finish)", async () => {
  const text = readFileSync(path.join(FIXTURES, "chat-stream-elided-v0.9.2-qwen3-0.6b__Zerohertz-pycon-kr-2025.partial.sse"), "utf8");
  const real = text
    .split("\n\n")
    .map((e) => e.trim())
    .filter((e) => e.startsWith("data: {"))
    .map((e) => JSON.parse(e.slice(6)) as unknown);
  const ours = sseChunks(await (await postJson(sim("0.9").url, "/v1/chat/completions", { messages, stream: true })).text());
  expect(shapeOf(ours[0])).toEqual(shapeOf(real[0]));
  expect(shapeOf(ours[1])).toEqual(shapeOf(real[1]));
  expect(shapeOf(ours.at(-1))).toEqual(shapeOf(real.at(-1)));
});

test("embeddings have the shape of the capture", async () => {
  const body = await (await postJson(embed.url, "/v1/embeddings", { input: "Follow the white rabbit." })).json();
  expect(shapeOf(body)).toEqual(shapeOf(capture("embeddings-v0.8-era-2025-04-jina-v3-dim32__vllm-docs-pooling_models.json")));
});

test.each([
  ["0.9", "models-v0.9.2-qwen3-0.6b__Zerohertz-pycon-kr-2025.jq-pretty.json"],
  ["0.21", "models-2026-07-qwen2.5-omni-no-trailing-newline__vllm-ascend.json"],
] as const)("%s /v1/models has the shape of the capture", async (name, file) => {
  const body = await (await fetch(`${sim(name).url}/v1/models`)).json();
  expect(shapeOf(body)).toEqual(shapeOf(capture(file)));
});

test("errors: the v0.9.2 capture byte for byte, nested after v0.10.1, param named from 2026", async () => {
  const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
  const old = await startSimulator({ servedModel: "qwen", zeroLatency: true, vllmVersion: "0.9", enableAutoToolChoice: false });
  try {
    const res = await postJson(old.url, "/v1/chat/completions", { messages, tools, tool_choice: "auto" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(capture("error-400-auto-tool-choice-flat-v0.9.2__Zerohertz-pycon-kr-2025.jq-pretty.json"));
  } finally {
    await old.close();
  }
  const bad = { messages, temperature: -1 };
  expect(await (await postJson(sim("0.11").url, "/v1/chat/completions", bad)).json()).toEqual({
    error: { message: "temperature must be non-negative, got -1.0.", type: "BadRequestError", param: null, code: 400 },
  });
  expect(await (await postJson(sim("0.21").url, "/v1/chat/completions", bad)).json()).toEqual({
    error: { message: "temperature must be non-negative, got -1.0.", type: "BadRequestError", param: "temperature", code: 400 },
  });
});

test("/version answers the profile's version unless told otherwise", async () => {
  expect(await (await fetch(`${sim("0.11").url}/version`)).json()).toEqual({ version: "0.11.0" });
  expect(await (await fetch(`${sim("0.21").url}/version`)).json()).toEqual({ version: "0.21.0" });
  const pinned = await startSimulator({ servedModel: "qwen", zeroLatency: true, version: "0.10.0" });
  try {
    expect(await (await fetch(`${pinned.url}/version`)).json()).toEqual({ version: "0.10.0" });
    expect(pinned.simulator.profile.name).toBe("0.9");
  } finally {
    await pinned.close();
  }
  expect((await startSimulator({ zeroLatency: true }).then(async (s) => [s.simulator.profile.name, await s.close()]))[0]).toBe("0.21");
});
