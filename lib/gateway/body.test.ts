import { describe, expect, test } from "vitest";
import { validateBody } from "./body";
import { GatewayError } from "./errors";
import { chatRequestSchema } from "./schemas";

const hello = [{ role: "user", content: "hi" }];

function messageFor(body: unknown): string {
  try {
    validateBody(chatRequestSchema, body);
  } catch (error) {
    if (error instanceof GatewayError) return error.message;
    throw error;
  }
  throw new Error("the body was accepted");
}

describe("validateBody's 400 names the field and what is wrong with it", () => {
  test("a missing field is required", () => {
    expect(messageFor({ model: "fast" })).toBe("messages is required.");
  });

  test("a field of the wrong type says so, not that it is missing", () => {
    expect(messageFor({ model: "fast", messages: hello, stream: "yes" })).toMatch(/^stream: .*expected boolean, received string/);
    expect(messageFor({ model: "fast", messages: hello, stream: true, stream_options: { include_usage: "yes" } })).toMatch(
      /^stream_options\.include_usage: .*expected boolean, received string/,
    );
    expect(messageFor({ model: 5, messages: hello })).toMatch(/^model: /);
  });

  test("an explicit null where a value is needed is not called missing", () => {
    expect(messageFor({ model: null, messages: hello })).toMatch(/^model: model must be a string/);
  });
});
