import fs from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";
import { startReplayBackend, type ReplayBackend } from "@/lib/testing/replay-backend";
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
    },
    modes: { replay: ["replay", "replay-embed"] },
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

/**
 * Streams a chat through the `openai` package, recording the raw bytes it was given. With `closeOnDone` the client
 * behaves like the many that hang up the moment they have `data: [DONE]`, without waiting for the response's end.
 */
async function streamThroughOpenAI(options: { closeOnDone: boolean; includeUsage?: boolean }): Promise<ClientRead> {
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
  const client = new OpenAI({ baseURL: `${lab.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: recordingFetch });
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
