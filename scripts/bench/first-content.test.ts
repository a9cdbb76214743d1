import { expect, test } from "vitest";
import { FirstContentDetector, SseEventBuffer, sseEventKind } from "./first-content";

const chunk = (delta: Record<string, unknown>) => `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta }] })}\n\n`;

test("vLLM's role-only opening chunk is not the first token", () => {
  const detector = new FirstContentDetector();
  expect(detector.push(chunk({ role: "assistant", content: "" }))).toBe(false);
  expect(detector.push(chunk({ content: "Hello" }))).toBe(true);
});

test("an event split across network reads counts only once it is complete", () => {
  const detector = new FirstContentDetector();
  const event = chunk({ content: "Hi" });
  expect(detector.push(event.slice(0, 20))).toBe(false);
  expect(detector.push(event.slice(20, -1))).toBe(false);
  expect(detector.push(event.slice(-1))).toBe(true);
});

test("CRLF-separated events and legacy completions `text` are understood", () => {
  const detector = new FirstContentDetector();
  expect(detector.push(`data: ${JSON.stringify({ choices: [{ index: 0, text: "Once" }] })}\r\n\r\n`)).toBe(true);
});

test("[DONE], comments and error events are not content", () => {
  const detector = new FirstContentDetector();
  expect(detector.push(": keep-alive\n\n")).toBe(false);
  expect(detector.push(`data: ${JSON.stringify({ error: { message: "boom" } })}\n\n`)).toBe(false);
  expect(detector.push("data: [DONE]\n\n")).toBe(false);
  expect(detector.seen).toBe(false);
});

test("events are told apart: text, the [DONE] terminator, error events, and the rest", () => {
  const buffer = new SseEventBuffer();
  const stream = [
    chunk({ role: "assistant", content: "" }),
    chunk({ content: "Hi" }),
    `data: ${JSON.stringify({ error: { message: "backend failed mid-stream", code: 502 } })}\n\n`,
    "data: [DONE]\n\n",
  ].join("");
  const events = [...buffer.push(stream.slice(0, 7)), ...buffer.push(stream.slice(7))];
  expect(events.map(sseEventKind)).toEqual(["other", "content", "error", "done"]);
});
