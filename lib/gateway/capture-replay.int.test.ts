import fs from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";
import { startReplayBackend, type ReplayBackend } from "@/lib/testing/replay-backend";
import { parseVllmMetrics } from "@/lib/telemetry/vllm-metrics";
import { eventData, SseEventSplitter } from "./sse";

/**
 * Every capture is a test: each real vLLM capture in `fixtures/vllm` (see its SOURCES.md) is answered by a replay
 * backend, bytes as captured (split at random offsets, with small pauses, seeded), through the real gateway to the
 * `openai` package. What the client gets must be what vLLM sent, modulo the gateway's documented rules (the usage
 * chunk dropped for clients that did not ask for it; reasoning text offered under both field names), and the log
 * row must say served, with the capture's usage and a TTFT.
 */
const FIXTURES = path.join(__dirname, "fixtures", "vllm");
const captures = fs.readdirSync(FIXTURES).filter((name) => name !== "SOURCES.md");
const capture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));
const byPrefix = (prefix: string) => captures.filter((name) => name.startsWith(prefix));

const streamCaptures = byPrefix("chat-stream-");
const modelCaptures = byPrefix("models-");
/** The first model card of a /v1/models capture. */
const cardOf = (name: string) => (JSON.parse(capture(name).toString("utf8")) as { data: Record<string, unknown>[] }).data[0]!;
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

let lab: GatewayHarness;
let chat: ReplayBackend;
let embed: ReplayBackend;

beforeAll(async () => {
  chat = await startReplayBackend();
  embed = await startReplayBackend();
  lab = await startGatewayHarness({
    backends: {
      replay: { servedModel: "replay-chat", url: chat.url },
      "replay-embed": { servedModel: "replay-embed", kind: "embedding", url: embed.url },
      // One backend per /v1/models capture, serving the model the capture names (the gateway lists models itself).
      ...Object.fromEntries(modelCaptures.map((name, i) => [`models-${i}`, { servedModel: String(cardOf(name).id), url: chat.url }])),
    },
    modes: { replay: ["replay", "replay-embed", ...modelCaptures.map((_, i) => `models-${i}`)] },
  });
});

afterAll(async () => {
  await lab?.close();
  await chat?.close();
  await embed?.close();
});

/** The request's final log row (a stream's row is finished when the gateway sees its end, which may follow the client's). */
async function logRow(id: number) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    await lab.flushLog();
    const row = await lab.prisma.requestLog.findFirst({ where: { id } });
    if ((row && row.outcome !== "open") || Date.now() > deadline) return row;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The `data:` payloads of an SSE byte stream, in order (comments and data-less events, such as an elision marker, left out). */
function dataPayloads(bytes: Buffer): string[] {
  const splitter = new SseEventSplitter();
  return splitter
    .push(bytes)
    .map((event) => eventData(event))
    .filter((data): data is string => data !== null);
}

interface ClientRead {
  raw: Buffer;
  chunks: OpenAI.ChatCompletionChunk[];
  logId: number;
}

/** An openai client on `baseURL` whose fetch keeps the raw response bytes and the log id of the last response. */
function recordingClient(baseURL: string): { client: OpenAI; last: () => { raw: Buffer; logId: number } } {
  let raw = Buffer.alloc(0);
  let logId = 0;
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    logId = Number(response.headers.get("x-switchyard-log-id"));
    raw = Buffer.from(await response.arrayBuffer());
    return new Response(raw, { status: response.status, headers: response.headers });
  };
  return { client: new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0, fetch: recordingFetch }), last: () => ({ raw, logId }) };
}

/**
 * Streams a chat through the `openai` package, recording the raw bytes it was given. With `closeOnDone` the client
 * behaves like the many that hang up the moment they have `data: [DONE]`, without waiting for the response's end.
 */
async function streamThroughOpenAI(options: { closeOnDone: boolean; includeUsage?: boolean; baseURL?: string }): Promise<ClientRead> {
  const received: Buffer[] = [];
  let logId = 0;
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    logId = Number(response.headers.get("x-switchyard-log-id"));
    const reader = response.body!.getReader();
    let seen = "";
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) return controller.close();
        received.push(Buffer.from(value));
        controller.enqueue(value);
        seen = (seen + Buffer.from(value).toString("utf8")).slice(-64);
        if (options.closeOnDone && seen.includes("data: [DONE]\n\n")) {
          controller.close();
          await reader.cancel();
        }
      },
      cancel: () => reader.cancel(),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const client = new OpenAI({ baseURL: options.baseURL ?? `${lab.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: recordingFetch });
  const stream = await client.chat.completions.create({
    model: "replay-chat",
    messages: [{ role: "user", content: "Replay the capture." }],
    stream: true,
    ...(options.includeUsage ? { stream_options: { include_usage: true } } : {}),
  });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { raw: Buffer.concat(received), chunks, logId };
}

/** Completion tokens a capture accounts for: its usage chunk, else (an elided capture has none) its token events. */
function captureUsage(payloads: string[]): { promptTokens: number | null; completionTokens: number } {
  const parsed = payloads.filter((data) => data !== "[DONE]").map((data) => JSON.parse(data) as OpenAI.ChatCompletionChunk);
  const usage = parsed.find((chunk) => chunk.usage)?.usage;
  if (usage) return { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
  const tokenEvents = parsed.filter((chunk) => chunk.choices.some((choice) => Boolean(choice.delta.content))).length;
  return { promptTokens: null, completionTokens: tokenEvents };
}

test("every capture file is covered by a test below", () => {
  const covered = [...streamCaptures, ...byPrefix("chat-nonstream-"), ...byPrefix("embeddings-"), ...byPrefix("error-"), ...byPrefix("models-"), ...byPrefix("metrics-")];
  expect(covered.sort()).toEqual([...captures].sort());
  expect(streamCaptures.length).toBeGreaterThan(0);
});

/*
 * Streams. The one stream capture is elided (`.partial.sse`: head and tail kept, a `...` line in the middle). It is
 * replayed as it is: the `...` line is an SSE field line with no data, which the gateway relays untouched and SSE
 * parsers (the openai package's included) ignore, so the events compared are the data events that are there. It has
 * no usage chunk (it was captured without include_usage), so the log's completion tokens are its token events and
 * its prompt tokens unknown: exactly what the gateway logs for a real stream that never delivered usage.
 */
describe.each(streamCaptures)("stream capture %s", (name) => {
  const bytes = capture(name);
  const expected = dataPayloads(bytes);

  test.each(SEEDS)("split with seed %i: the client gets the capture's events, the openai package parses them, the row is served", async (seed) => {
    chat.serve("/v1/chat/completions", { contentType: "text/event-stream", body: bytes });
    chat.deliver({ seed });
    const read = await streamThroughOpenAI({ closeOnDone: false });
    expect(dataPayloads(read.raw)).toEqual(expected);
    expect(expected.at(-1)).toBe("[DONE]");
    expect(read.chunks.length).toBe(expected.length - 1);
    const row = await logRow(read.logId);
    const usage = captureUsage(expected);
    expect(row).toMatchObject({ outcome: "served", status: 200, stream: true, finishReason: "stop", ...usage });
    expect(row?.ttftMs).toBeGreaterThan(0);
  });

  test.each(SEEDS)("seed %i, a client that hangs up as soon as it has [DONE] (the upstream's end still in flight) is served, not client_abort", async (seed) => {
    chat.serve("/v1/chat/completions", { contentType: "text/event-stream", body: bytes });
    chat.deliver({ seed, endPauseMs: 30 });
    const read = await streamThroughOpenAI({ closeOnDone: true });
    expect(dataPayloads(read.raw)).toEqual(expected);
    const row = await logRow(read.logId);
    expect(row).toMatchObject({ outcome: "served", status: 200, finishReason: "stop", ...captureUsage(expected) });
    expect(row?.ttftMs).toBeGreaterThan(0);
  });
});

/*
 * Whole JSON answers. None of the captures carries reasoning text under one name only (their reasoning fields are
 * null), so no rule applies and the client must get the capture's bytes exactly, pretty-printed ones included.
 */
interface ChatCapture {
  choices: { finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number };
}

describe.each(byPrefix("chat-nonstream-"))("chat capture %s", (name) => {
  const bytes = capture(name);
  const json = JSON.parse(bytes.toString("utf8")) as ChatCapture;

  test.each([1, 2, 3])("split with seed %i: the body is the capture's bytes, the openai package parses it, the row has its usage", async (seed) => {
    chat.serve("/v1/chat/completions", { contentType: "application/json", body: bytes });
    chat.deliver({ seed });
    const { client, last } = recordingClient(`${lab.url}/v1`);
    const completion = await client.chat.completions.create({ model: "replay-chat", messages: [{ role: "user", content: "Replay." }] });
    expect(last().raw.equals(bytes)).toBe(true);
    expect(completion.usage?.completion_tokens).toBe(json.usage.completion_tokens);
    const row = await logRow(last().logId);
    expect(row).toMatchObject({
      outcome: "served",
      status: 200,
      stream: false,
      promptTokens: json.usage.prompt_tokens,
      completionTokens: json.usage.completion_tokens,
      finishReason: json.choices[0]!.finish_reason,
    });
  });
});

describe.each(byPrefix("embeddings-"))("embeddings capture %s", (name) => {
  test("the body is the capture's bytes and the openai package parses it; the row has the prompt tokens", async () => {
    const bytes = capture(name);
    embed.serve("/v1/embeddings", { contentType: "application/json", body: bytes });
    embed.deliver({ seed: 11 });
    const { client, last } = recordingClient(`${lab.url}/v1`);
    const result = await client.embeddings.create({ model: "replay-embed", input: "Follow the white rabbit.", encoding_format: "float" });
    expect(last().raw.equals(bytes)).toBe(true);
    expect(result.data[0]?.embedding).toHaveLength(32);
    const usage = (JSON.parse(bytes.toString("utf8")) as { usage: { prompt_tokens: number } }).usage;
    expect(await logRow(last().logId)).toMatchObject({ outcome: "served", status: 200, promptTokens: usage.prompt_tokens });
  });
});

describe.each(byPrefix("error-"))("error capture %s", (name) => {
  test("passed through with its status and bytes; the openai package raises it; the row is bad_request with vLLM's message", async () => {
    const bytes = capture(name);
    const status = Number(/^error-(\d{3})-/.exec(name)![1]);
    const { message } = JSON.parse(bytes.toString("utf8")) as { message: string };
    chat.serve("/v1/chat/completions", { status, contentType: "application/json", body: bytes });
    chat.deliver({ seed: 21 });
    const { client, last } = recordingClient(`${lab.url}/v1`);
    const error = await client.chat.completions.create({ model: "replay-chat", messages: [{ role: "user", content: "Call a tool." }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(status);
    expect(last().raw.equals(bytes)).toBe(true);
    expect(await logRow(last().logId)).toMatchObject({ outcome: "bad_request", status, errorMessage: message });
  });
});

/*
 * /v1/models is not proxied: the gateway lists the models of the current mode itself. A models capture is checked
 * as what a vLLM backend answers (the openai package parses it from the replay backend), and the gateway's own card
 * for the model the capture names must have the same shape, field for field.
 */
describe.each(modelCaptures)("models capture %s", (name) => {
  test("the openai package parses it; the gateway lists its model with a card of the same shape", async () => {
    const card = cardOf(name);
    chat.serve("/v1/models", { contentType: "application/json", body: capture(name) });
    const direct = await new OpenAI({ baseURL: `${chat.url}/v1`, apiKey: "unused", maxRetries: 0 }).models.list();
    expect(direct.data.map((model) => model.id)).toEqual([card.id]);
    const listed = await new OpenAI({ baseURL: `${lab.url}/v1`, apiKey: "unused", maxRetries: 0 }).models.list();
    const ours = listed.data.find((model) => model.id === card.id) as unknown as Record<string, unknown> | undefined;
    expect(ours).toBeDefined();
    expect(Object.keys(ours!).sort()).toEqual(Object.keys(card).sort());
    const permissionKeys = (value: unknown) => Object.keys((value as Record<string, unknown>[])[0]!).sort();
    expect(permissionKeys(ours!.permission)).toEqual(permissionKeys(card.permission));
  });
});

/* /metrics is not proxied either: Switchyard's telemetry scrapes it. A scrape of the capture must read as the parser reads the file. */
describe.each(byPrefix("metrics-"))("metrics capture %s", (name) => {
  test("the telemetry's scrape of a backend answering it reads what the capture says", async () => {
    const text = capture(name);
    chat.serve("/metrics", { contentType: "text/plain; version=0.0.4; charset=utf-8", body: text });
    chat.deliver({ seed: 31, maxPieceBytes: 4096 }); // 45 kB in small pieces would outlast the scraper's 1 s timeout
    const servedFrom = Date.now();
    const deadline = servedFrom + 10_000;
    let latest = lab.switchyard.telemetry.latestBackend("replay");
    while (!latest || latest.at <= servedFrom + 50) {
      if (Date.now() > deadline) throw new Error(`no scrape of the replay backend in time: ${JSON.stringify(lab.switchyard.telemetry.backendStatus("replay"))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      latest = lab.switchyard.telemetry.latestBackend("replay");
    }
    const { at: _at, ...expected } = parseVllmMetrics(text.toString("utf8"), 0);
    const { at: _scraped, ...scraped } = latest.sample;
    expect(scraped).toEqual(expected);
    expect(scraped.modelName).toMatch(/Qwen/);
  });
});

/*
 * The reasoningFields rule (reasoning-fields.ts) through the gateway. No capture has reasoning text under one name
 * only, so these bodies are derived from captures by putting text where the capture has null (or a `<think>` delta):
 * vLLM's exact framing with the field each era used.
 */
const REASONING = "The user wants the text in the picture.";

describe("reasoning text under both names", () => {
  const nonStream = async (body: string) => {
    chat.serve("/v1/chat/completions", { contentType: "application/json", body: Buffer.from(body) });
    chat.deliver({ seed: 41 });
    const { client, last } = recordingClient(`${lab.url}/v1`);
    const completion = await client.chat.completions.create({ model: "replay-chat", messages: [{ role: "user", content: "What does it say?" }] });
    return { completion, raw: last().raw, row: await logRow(last().logId) };
  };
  const messageOf = (raw: Buffer) => (JSON.parse(raw.toString("utf8")) as { choices: { message: Record<string, unknown> }[] }).choices[0]!.message;

  test("non-streamed, `reasoning` only (vLLM 2026): `reasoning_content` added right after it, nothing else changed", async () => {
    const source = capture("chat-nonstream-2026-02-reasoning-only-qwen3.5__vllm-ascend.json").toString("utf8").replace('"reasoning":null', `"reasoning":${JSON.stringify(REASONING)}`);
    const { raw, row } = await nonStream(source);
    const expected = JSON.parse(source.replace(`"reasoning":${JSON.stringify(REASONING)}`, `"reasoning":${JSON.stringify(REASONING)},"reasoning_content":${JSON.stringify(REASONING)}`)) as unknown;
    expect(raw.toString("utf8")).toBe(JSON.stringify(expected));
    expect(row).toMatchObject({ outcome: "served", promptTokens: 112, completionTokens: 7, compat: "reasoningFields" });
  });

  test("non-streamed, `reasoning_content` only (vLLM <= 0.11): `reasoning` added", async () => {
    const source = capture("chat-nonstream-v0.11.0-era-2025-10-qwen2-audio__vllm-ascend.json").toString("utf8").replace('"reasoning_content":null', `"reasoning_content":${JSON.stringify(REASONING)}`);
    const { raw } = await nonStream(source);
    const message = messageOf(raw);
    expect(message.reasoning).toBe(REASONING);
    expect(message.reasoning_content).toBe(REASONING);
    expect(Object.keys(message).slice(-2)).toEqual(["reasoning_content", "reasoning"]);
  });

  test("non-streamed, both present (vLLM 0.12-0.13) or neither: the bytes as the backend sent them", async () => {
    const both = capture("chat-nonstream-v0.12-0.13-era-2025-12-reasoning+reasoning_content-qwen3-vl-30b__vllm-ascend.json")
      .toString("utf8")
      .replace('"reasoning":null,"reasoning_content":null', `"reasoning":${JSON.stringify(REASONING)},"reasoning_content":${JSON.stringify(REASONING)}`);
    expect((await nonStream(both)).raw.toString("utf8")).toBe(both);
    const neither = capture("chat-nonstream-enable_thinking-false-v0.9.2-qwen3-0.6b__Zerohertz-pycon-kr-2025.jq-pretty.json").toString("utf8").replace('"reasoning_content": null,\n', "");
    expect((await nonStream(neither)).raw.toString("utf8")).toBe(neither);
  });

  /** The elided stream capture with its `<think>` and newline deltas moved to reasoning fields. */
  const reasoningStream = (fields: string[]) => {
    const sse = capture("chat-stream-elided-v0.9.2-qwen3-0.6b__Zerohertz-pycon-kr-2025.partial.sse").toString("utf8");
    const toReasoning = (text: string) => fields.map((field) => `"${field}":${JSON.stringify(text)}`).join(",");
    return sse.replace('"delta":{"content":"<think>"}', `"delta":{${toReasoning("<think>")}}`).replace('"delta":{"content":"\\n"}', `"delta":{${toReasoning("\n")}}`);
  };
  const streamOf = async (sse: string, seed: number) => {
    chat.serve("/v1/chat/completions", { contentType: "text/event-stream", body: Buffer.from(sse) });
    chat.deliver({ seed });
    const read = await streamThroughOpenAI({ closeOnDone: false });
    return { read, row: await logRow(read.logId) };
  };

  test.each([
    ["reasoning", "reasoning_content"],
    ["reasoning_content", "reasoning"],
  ])("streamed, `%s` only: each such delta also gets `%s`, other events byte for byte; tokens counted", async (from, to) => {
    const sse = reasoningStream([from]);
    for (const seed of [51, 52, 53]) {
      const { read, row } = await streamOf(sse, seed);
      const expected = dataPayloads(Buffer.from(sse)).map((data) =>
        data.includes(`"${from}":`) ? data.replace(/"delta":\{("[a-z_]+":"[^"]*")\}/, (_, pair: string) => `"delta":{${pair},${pair.replace(`"${from}"`, `"${to}"`)}}`) : data,
      );
      expect(dataPayloads(read.raw)).toEqual(expected);
      const deltas = read.chunks.map((chunk) => chunk.choices[0]?.delta as Record<string, unknown> | undefined);
      expect(deltas.filter((delta) => delta?.[from] !== undefined).map((delta) => [delta?.[from], delta?.[to]])).toEqual([
        ["<think>", "<think>"],
        ["\n", "\n"],
      ]);
      expect(row).toMatchObject({ outcome: "served", completionTokens: 3, finishReason: "stop", compat: "reasoningFields" });
      expect(row?.ttftMs).toBeGreaterThan(0);
    }
  });

  test("streamed, both present: the events as the backend sent them", async () => {
    const sse = reasoningStream(["reasoning", "reasoning_content"]);
    const { read, row } = await streamOf(sse, 54);
    expect(dataPayloads(read.raw)).toEqual(dataPayloads(Buffer.from(sse)));
    expect(row?.compat).toBeNull();
  });
});

describe("with gateway.compat.reasoningFields off", () => {
  let plain: GatewayHarness;
  beforeAll(async () => {
    plain = await startGatewayHarness({
      backends: { replay: { servedModel: "replay-chat", url: chat.url } },
      modes: { replay: ["replay"] },
      gateway: { compat: { reasoningFields: false } },
    });
  });
  afterAll(async () => {
    await plain?.close();
  });

  test("reasoning-only bodies and streams pass as the backend sent them", async () => {
    const body = capture("chat-nonstream-2026-02-reasoning-only-qwen3.5__vllm-ascend.json").toString("utf8").replace('"reasoning":null', `"reasoning":${JSON.stringify(REASONING)}`);
    chat.serve("/v1/chat/completions", { contentType: "application/json", body: Buffer.from(body) });
    const { client, last } = recordingClient(`${plain.url}/v1`);
    await client.chat.completions.create({ model: "replay-chat", messages: [{ role: "user", content: "What does it say?" }] });
    expect(last().raw.toString("utf8")).toBe(body);

    const sse = capture("chat-stream-elided-v0.9.2-qwen3-0.6b__Zerohertz-pycon-kr-2025.partial.sse").toString("utf8").replace('"delta":{"content":"<think>"}', '"delta":{"reasoning":"<think>"}');
    chat.serve("/v1/chat/completions", { contentType: "text/event-stream", body: Buffer.from(sse) });
    chat.deliver({ seed: 61 });
    const read = await streamThroughOpenAI({ closeOnDone: false, baseURL: `${plain.url}/v1` });
    expect(dataPayloads(read.raw)).toEqual(dataPayloads(Buffer.from(sse)));
  });
});
