import { describe, expect, test } from "vitest";
import { applyStopStrings, embeddingFor, planText, planToolCall } from "./generator";

describe("text generator", () => {
  test("is deterministic per prompt, seed and choice", () => {
    const a = planText({ promptKey: "hello", choiceIndex: 0, limit: 1000 });
    expect(planText({ promptKey: "hello", choiceIndex: 0, limit: 1000 })).toEqual(a);
    expect(planText({ promptKey: "hello", choiceIndex: 1, limit: 1000 }).tokens).not.toEqual(a.tokens);
    expect(planText({ promptKey: "hello", seed: 7, choiceIndex: 0, limit: 1000 }).tokens).not.toEqual(a.tokens);
  });

  test("stops naturally after 16-64 tokens, or at the limit with finish reason length", () => {
    for (let i = 0; i < 50; i++) {
      const plan = planText({ promptKey: `prompt ${i}`, choiceIndex: 0, limit: 1000 });
      expect(plan.finishReason).toBe("stop");
      expect(plan.tokens.length).toBeGreaterThanOrEqual(16);
      expect(plan.tokens.length).toBeLessThanOrEqual(64);
    }
    const capped = planText({ promptKey: "x", choiceIndex: 0, limit: 5 });
    expect(capped).toMatchObject({ finishReason: "length", stopReason: null });
    expect(capped.tokens).toHaveLength(5);
    const forced = planText({ promptKey: "x", choiceIndex: 0, limit: 300, ignoreEos: true });
    expect(forced.tokens).toHaveLength(300);
    expect(forced.finishReason).toBe("length");
  });

  test("stop strings cut the text before the match", () => {
    expect(applyStopStrings(["Hello", " wor", "ld", " again"], "length", ["or", "zzz"])).toEqual({
      tokens: ["Hello", " w"],
      finishReason: "stop",
      stopReason: "or",
    });
    expect(applyStopStrings(["Hello", " world"], "length", [" world"])).toEqual({
      tokens: ["Hello"],
      finishReason: "stop",
      stopReason: " world",
    });
    expect(applyStopStrings(["a", "b"], "length", ["zzz"])).toEqual({ tokens: ["a", "b"], finishReason: "length", stopReason: null });
  });

  test("tool arguments follow the schema and come in pieces", () => {
    const call = planToolCall(
      {
        name: "get_weather",
        parameters: {
          type: "object",
          properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] }, days: { type: "integer" } },
          required: ["city", "unit", "days"],
        },
      },
      "prompt",
      null,
      1000,
    );
    const args = JSON.parse(call.arguments) as Record<string, unknown>;
    expect(Object.keys(args)).toEqual(["city", "unit", "days"]);
    expect(["celsius", "fahrenheit"]).toContain(args.unit);
    expect(typeof args.city).toBe("string");
    expect(Number.isInteger(args.days)).toBe(true);
    expect(call.argumentPieces.length).toBeGreaterThan(3);
    expect(call.argumentPieces.join("")).toBe(call.arguments);
    expect(call.finishReason).toBe("tool_calls");
  });

  test("embeddings are deterministic unit vectors", () => {
    const v = embeddingFor("hello", 384);
    expect(v).toHaveLength(384);
    expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    expect(embeddingFor("hello", 384)).toEqual(v);
    expect(embeddingFor("other", 384)).not.toEqual(v);
  });
});
