import { describe, expect, test } from "vitest";
import { applyReasoningFieldsToBody, applyReasoningFieldsToEvent, mirrorReasoningInBody, mirrorReasoningInEvent } from "./reasoning-fields";

const event = (payload: unknown, terminator = "\n\n") => Buffer.from(`data: ${JSON.stringify(payload)}${terminator}`);
const chunk = (delta: Record<string, unknown>) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: null, token_ids: null }],
});
const body = (message: Record<string, unknown>) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
});

describe("streamed deltas", () => {
  test("reasoning only (vLLM 2026): reasoning_content added right after it, the rest of the event as it was", () => {
    const out = mirrorReasoningInEvent(event(chunk({ reasoning: "Let me think" })));
    expect(out?.toString()).toBe(`data: ${JSON.stringify(chunk({ reasoning: "Let me think", reasoning_content: "Let me think" }))}\n\n`);
  });

  test("reasoning_content only (vLLM <= 0.11): reasoning added right after it", () => {
    const out = mirrorReasoningInEvent(event(chunk({ reasoning_content: "Hmm" })));
    expect(out?.toString()).toBe(`data: ${JSON.stringify(chunk({ reasoning_content: "Hmm", reasoning: "Hmm" }))}\n\n`);
  });

  test("the other name present as null takes the text in its own place", () => {
    const out = mirrorReasoningInEvent(event(chunk({ reasoning: null, reasoning_content: "x" })));
    expect(out?.toString()).toBe(`data: ${JSON.stringify(chunk({ reasoning: "x", reasoning_content: "x" }))}\n\n`);
  });

  test("every choice of a chunk, and a CRLF terminator kept", () => {
    const payload = { choices: [{ index: 0, delta: { reasoning: "a" } }, { index: 1, delta: { reasoning_content: "b" } }] };
    const out = mirrorReasoningInEvent(event(payload, "\r\n\r\n"));
    expect(out?.toString()).toBe(
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: { reasoning: "a", reasoning_content: "a" } }, { index: 1, delta: { reasoning_content: "b", reasoning: "b" } }] })}\r\n\r\n`,
    );
  });

  test("untouched (null: relay the original bytes) when both are present, neither, or only nulls", () => {
    expect(mirrorReasoningInEvent(event(chunk({ reasoning: "a", reasoning_content: "a" })))).toBeNull();
    expect(mirrorReasoningInEvent(event(chunk({ content: "hello" })))).toBeNull();
    expect(mirrorReasoningInEvent(event(chunk({ content: 'say "reasoning":"x"' })))).toBeNull();
    expect(mirrorReasoningInEvent(event(chunk({ reasoning: null, content: "" })))).toBeNull();
    expect(mirrorReasoningInEvent(Buffer.from("data: [DONE]\n\n"))).toBeNull();
    expect(mirrorReasoningInEvent(Buffer.from(': keep-alive "reasoning":"x"\n\n'))).toBeNull();
    expect(mirrorReasoningInEvent(Buffer.from('data: {"reasoning":"not json\n\n'))).toBeNull();
  });
});

describe("whole bodies", () => {
  test("reasoning only: reasoning_content added after it in the message", () => {
    const json = body({ content: "42", reasoning: "6 times 7" });
    expect(mirrorReasoningInBody(json)).toBe(true);
    expect(Object.entries(json.choices[0]!.message)).toEqual([
      ["role", "assistant"],
      ["content", "42"],
      ["reasoning", "6 times 7"],
      ["reasoning_content", "6 times 7"],
    ]);
  });

  test("reasoning_content only: reasoning added", () => {
    const json = body({ reasoning_content: "why", content: "because" });
    expect(mirrorReasoningInBody(json)).toBe(true);
    expect(json.choices[0]!.message).toEqual({ role: "assistant", reasoning_content: "why", reasoning: "why", content: "because" });
  });

  test("untouched when both are present, neither, only nulls, or the body is no chat completion", () => {
    for (const message of [{ reasoning: "a", reasoning_content: "a" }, { content: "x" }, { reasoning: null }, { reasoning: null, reasoning_content: null }]) {
      const json = body(message);
      const before = JSON.stringify(json);
      expect(mirrorReasoningInBody(json)).toBe(false);
      expect(JSON.stringify(json)).toBe(before);
    }
    expect(mirrorReasoningInBody({ object: "list", data: [] })).toBe(false);
    expect(mirrorReasoningInBody(null)).toBe(false);
    expect(mirrorReasoningInBody({ choices: "nope" })).toBe(false);
  });
});

describe("recording for the log row", () => {
  test("the rule's name is added when it acted, and only then; an untouched event is the very same buffer", () => {
    const applied = new Set<string>();
    const plain = event(chunk({ content: "hi" }));
    expect(applyReasoningFieldsToEvent(plain, applied)).toBe(plain);
    expect(applyReasoningFieldsToBody(body({ content: "hi" }), applied)).toBe(false);
    expect(applied.size).toBe(0);
    expect(applyReasoningFieldsToEvent(event(chunk({ reasoning: "r" })), applied)).not.toBe(plain);
    expect([...applied]).toEqual(["reasoningFields"]);
    const other = new Set<string>();
    expect(applyReasoningFieldsToBody(body({ reasoning_content: "r" }), other)).toBe(true);
    expect([...other]).toEqual(["reasoningFields"]);
  });
});
