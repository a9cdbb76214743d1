import { describe, expect, test } from "vitest";
import { answerFromJson, answerStats, applyChatEvent, createSseReader, emptyAnswer, type ChatAnswer } from "./chat-stream";

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({ choices: [{ index: 0, delta, finish_reason: null }], ...extra });

function readAll(events: [string, number][]): ChatAnswer {
  return events.reduce((answer, [data, at]) => applyChatEvent(answer, data, at), emptyAnswer);
}

describe("createSseReader", () => {
  test("whole events whatever the byte split; comments and the unfinished rest wait", () => {
    const read = createSseReader();
    expect(read(`data: {"a":1}\n\nda`)).toEqual([`{"a":1}`]);
    expect(read(`ta: [DO`)).toEqual([]);
    expect(read(`NE]\n\n: keep-alive\n\n`)).toEqual(["[DONE]"]);
  });

  test("CRLF line ends and multi-line data", () => {
    expect(createSseReader()(`data: one\r\ndata: two\r\n\r\n`)).toEqual(["one\ntwo"]);
  });
});

describe("applyChatEvent", () => {
  test("text grows event by event; first and last token times, the finish reason and usage are kept", () => {
    const answer = readAll([
      [chunk({ role: "assistant", content: "" }), 20],
      [chunk({ content: "Hel" }), 120],
      [chunk({ content: "lo" }), 150],
      [JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "length" }] }), 160],
      [JSON.stringify({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 2 } }), 161],
      ["[DONE]", 162],
    ]);
    expect(answer).toMatchObject({ text: "Hello", firstTokenMs: 120, lastTokenMs: 150, textEvents: 2, finishReason: "length", usage: { promptTokens: 9, completionTokens: 2 }, done: true, error: null });
  });

  test("reasoning under either name is kept apart from the answer", () => {
    const answer = readAll([
      [chunk({ reasoning_content: "think " }), 10],
      [chunk({ reasoning: "more" }), 20],
      [chunk({ content: "answer" }), 30],
    ]);
    expect(answer).toMatchObject({ reasoning: "think more", text: "answer", firstTokenMs: 10 });
  });

  test("an error event mid-stream is shown, the text so far kept", () => {
    const answer = readAll([
      [chunk({ content: "partial" }), 10],
      [JSON.stringify({ error: { message: "backend qwen-7b stopped", type: "ServiceUnavailableError", code: 503 } }), 20],
      ["[DONE]", 21],
    ]);
    expect(answer).toMatchObject({ text: "partial", error: "backend qwen-7b stopped", done: true });
  });

  test("a line that is not JSON is ignored", () => {
    expect(applyChatEvent(emptyAnswer, "not json", 5)).toBe(emptyAnswer);
  });
});

test("answerFromJson reads a whole answer", () => {
  const answer = answerFromJson(
    { choices: [{ index: 0, message: { role: "assistant", content: "Hi", reasoning_content: "hmm" }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 1 } },
    400,
  );
  expect(answer).toMatchObject({ text: "Hi", reasoning: "hmm", finishReason: "stop", usage: { promptTokens: 3, completionTokens: 1 }, firstTokenMs: null, done: true });
});

describe("answerStats", () => {
  test("TTFT is the first token's time; speed counts the tokens after the first over the time after it", () => {
    const answer: ChatAnswer = { ...emptyAnswer, firstTokenMs: 100, lastTokenMs: 1_100, textEvents: 30, usage: { promptTokens: 5, completionTokens: 51 } };
    expect(answerStats(answer)).toEqual({ ttftMs: 100, completionTokens: 51, tokensPerSecond: 50 });
  });

  test("without usage the text events stand in for tokens; one token has no speed", () => {
    expect(answerStats({ ...emptyAnswer, firstTokenMs: 0, lastTokenMs: 500, textEvents: 11 }).tokensPerSecond).toBe(20);
    expect(answerStats({ ...emptyAnswer, firstTokenMs: 50, lastTokenMs: 50, textEvents: 1 })).toEqual({ ttftMs: 50, completionTokens: 1, tokensPerSecond: null });
    expect(answerStats(emptyAnswer)).toEqual({ ttftMs: null, completionTokens: null, tokensPerSecond: null });
  });
});
