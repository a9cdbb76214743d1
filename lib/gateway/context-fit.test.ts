import { describe, expect, test } from "vitest";
import { labConfigSchema } from "@/lib/config/schema";
import { clampedCompletion, fitsContext, promptTokenUpperBound, requestedCompletion } from "./context-fit";

const config = labConfigSchema.parse({
  runtime: "none",
  gpuTelemetry: "none",
  backends: {
    small: { url: "http://127.0.0.1:1", servedModel: "s", maxModelLen: 16_384 },
    big: { url: "http://127.0.0.1:2", servedModel: "b", maxModelLen: 32_768 },
    unknown: { url: "http://127.0.0.1:3", servedModel: "u" },
  },
  modes: { standard: { backends: ["small", "big", "unknown"], default: true } },
});

describe("prompt size", () => {
  test("the upper bound is never below the text's bytes (a byte-level BPE token covers at least one byte)", () => {
    const text = "naïve café ".repeat(100);
    expect(promptTokenUpperBound({ messages: [{ role: "user", content: text }] })).toBeGreaterThanOrEqual(Buffer.byteLength(text));
    expect(promptTokenUpperBound({ prompt: "abc", tools: [{ type: "function", function: { name: "f" } }] })).toBeGreaterThan(3);
  });

  test("the completion asked for, under each API's name", () => {
    expect(requestedCompletion({ max_tokens: 10 })).toEqual({ field: "max_tokens", tokens: 10 });
    expect(requestedCompletion({ max_completion_tokens: 20, max_tokens: 10 })).toEqual({ field: "max_completion_tokens", tokens: 20 });
    expect(requestedCompletion({ max_output_tokens: 30 })).toEqual({ field: "max_output_tokens", tokens: 30 });
    expect(requestedCompletion({ max_tokens: 0 })).toBeNull();
  });
});

describe("fit and clamp", () => {
  test("a backend holds a prompt with room for one token; one without a stated context holds anything", () => {
    expect(fitsContext(config, "small", 16_383)).toBe(true);
    expect(fitsContext(config, "small", 16_384)).toBe(false);
    expect(fitsContext(config, "unknown", 1_000_000)).toBe(true);
  });

  test("max_tokens is lowered to what the smallest remaining candidate leaves, and only when it must be", () => {
    expect(clampedCompletion(config, ["small", "big"], { max_tokens: 32_000 }, 600)).toEqual({ field: "max_tokens", tokens: 15_784 });
    expect(clampedCompletion(config, ["big"], { max_completion_tokens: 32_000 }, 600)).toBeNull(); // 32,168 left: it fits
    expect(clampedCompletion(config, ["big"], { max_completion_tokens: 32_500 }, 600)).toEqual({ field: "max_completion_tokens", tokens: 32_168 });
    expect(clampedCompletion(config, ["small"], { max_tokens: 1000 }, 600)).toBeNull();
    expect(clampedCompletion(config, ["small"], {}, 600)).toBeNull();
    expect(clampedCompletion(config, ["unknown"], { max_tokens: 1_000_000 }, 600)).toBeNull();
  });
});
