import { describe, expect, test } from "vitest";
import { displayCapturedBody } from "./captured-body";

describe("captured bodies", () => {
  test("a JSON request body is indented", () => {
    expect(displayCapturedBody('{"model":"fast","messages":[{"role":"user","content":"hi"}]}', "request")).toEqual({
      text: '{\n  "model": "fast",\n  "messages": [\n    {\n      "role": "user",\n      "content": "hi"\n    }\n  ]\n}',
      json: true,
    });
  });

  test("a request body cut at the capture limit is shown as stored", () => {
    const cut = '{"model":"fast","messages":[{"role":"user","content":"a long pro';
    expect(displayCapturedBody(cut, "request")).toEqual({ text: cut, json: false });
  });

  test("generated text is never reformatted, even when it happens to be JSON", () => {
    expect(displayCapturedBody('{"answer": 42}', "response")).toEqual({ text: '{"answer": 42}', json: false });
  });
});
