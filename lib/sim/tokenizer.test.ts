import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { renderChatPrompt } from "./chat-template";
import { countTokens, detokenize, SPECIAL_TOKENS, splitTokens, tokenize, tokenString, UnknownTokenError, VOCAB_SIZE } from "./tokenizer";

const ENGLISH =
  "The operators favour consistent response times over peak tokens per second. Every inference engine is a vLLM " +
  "container serving the OpenAI API on its own port, and the gateway in front of them routes each request to the " +
  "first live backend of its route, queueing it when the backend is busy.";

describe("tokenizer", () => {
  test("round-trips any string, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(detokenize(tokenize(text).ids)).toBe(text);
      }),
      { numRuns: 500 },
    );
    // Arbitrary UTF-16 code units: lone surrogates included (fast-check's string units never produce them).
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }), (units) => {
        const text = String.fromCharCode(...units);
        expect(detokenize(tokenize(text).ids)).toBe(text);
      }),
      { numRuns: 500 },
    );
    for (const text of ["", " ", "\n\n  \t", "héllo wörld ✓ 日本語 🚀🚀", "\ud800x\udc00", "<|im_start|>user\nhi<|im_end|>"]) {
      expect(detokenize(tokenize(text).ids)).toBe(text);
    }
  });

  test("token strings concatenate to the text and match the ids", () => {
    const { ids, pieces } = tokenize(ENGLISH);
    expect(pieces.join("")).toBe(ENGLISH);
    expect(pieces).toEqual(ids.map(tokenString));
    expect(ids.every((id) => Number.isSafeInteger(id) && id >= 0)).toBe(true);
  });

  // Qwen2.5 gets about four; the simulator's smaller generic vocabulary a little over three.
  test("English comes out at three to four characters per token", () => {
    const ratio = ENGLISH.length / countTokens(ENGLISH);
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5);
  });

  test("is deterministic and keeps the ChatML special tokens whole", () => {
    expect(tokenize(ENGLISH).ids).toEqual(tokenize(ENGLISH).ids);
    const { ids } = tokenize("<|im_start|>user\nhi<|im_end|>");
    expect(ids[0]).toBe(SPECIAL_TOKENS.get("<|im_start|>"));
    expect(ids.at(-1)).toBe(SPECIAL_TOKENS.get("<|im_end|>"));
  });

  test("every id is inside Qwen2.5's vocabulary", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        for (const id of tokenize(text).ids) expect(id >= 0 && id < VOCAB_SIZE).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(tokenize(ENGLISH).ids.every((id) => id < 151643)).toBe(true);
  });

  test("characters outside the vocabulary fall back to byte tokens, streamed whole", () => {
    expect(splitTokens("a🚀")).toEqual(["a", "🚀"]);
    expect(tokenize("🚀").pieces).toEqual(["<0xF0>", "<0x9F>", "<0x9A>", "<0x80>"]);
    expect(detokenize([0xf0, 0x9f])).toBe("\ufffd\ufffd");
  });

  test("rejects ids it never produces", () => {
    expect(() => detokenize([151000])).toThrow(UnknownTokenError);
    expect(() => detokenize([VOCAB_SIZE])).toThrow(UnknownTokenError);
    expect(() => detokenize([-5])).toThrow(UnknownTokenError);
  });
});

describe("chat template", () => {
  test("renders Qwen's ChatML with the default system prompt and the generation prompt", () => {
    expect(renderChatPrompt([{ role: "user", content: "Hello" }])).toBe(
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
        "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(
      renderChatPrompt(
        [
          { role: "system", content: "Be brief." },
          { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
        ],
        { addGenerationPrompt: false },
      ),
    ).toBe("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\na\nb<|im_end|>\n");
  });

  test("puts tool definitions in the system turn and tool traffic in hermes tags", () => {
    const prompt = renderChatPrompt(
      [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ function: { name: "get_weather", arguments: '{"city": "Paris"}' } }] },
        { role: "tool", content: "sunny" },
      ],
      { tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }] },
    );
    expect(prompt).toContain(
      '<tools>\n{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}\n</tools>',
    );
    expect(prompt).toContain('<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>');
    expect(prompt).toContain("<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
  });
});
