import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { StreamObserver } from "./observer";
import { eventData, SseEventSplitter } from "./sse";

const chunk = (body: object) => `data: ${JSON.stringify(body)}\n\n`;
const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m" };
const vllmStream = [
  chunk({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] }),
  chunk({ ...base, choices: [{ index: 0, delta: { content: "Héllo" }, logprobs: null, finish_reason: null }] }),
  chunk({ ...base, choices: [{ index: 0, delta: { content: " wörld 🚀" }, logprobs: null, finish_reason: null }] }),
  chunk({ ...base, choices: [{ index: 0, delta: { content: "" }, logprobs: null, finish_reason: "length", stop_reason: null }] }),
  chunk({ ...base, choices: [], usage: { prompt_tokens: 16, total_tokens: 19, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 8 } } }),
  "data: [DONE]\n\n",
].join("");

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    parts.push(bytes.subarray(from, point));
    from = point;
  }
  return parts;
}

function runThrough(parts: Buffer[], dropUsage: boolean) {
  const splitter = new SseEventSplitter();
  // The clock reads the number of the event being observed, so firstTokenAt names the event.
  let eventNumber = 0;
  const observer = new StreamObserver(() => eventNumber, dropUsage);
  const forwarded: string[] = [];
  for (const part of parts) {
    for (const event of splitter.push(part)) {
      eventNumber++;
      if (observer.observe(event)) forwarded.push(event.toString("utf8"));
    }
  }
  return { forwarded, observation: observer.observation, rest: splitter.rest().length };
}

describe("SSE splitting and observation", () => {
  test("any byte split of a stream yields the same events and the same observation", () => {
    const bytes = Buffer.from(vllmStream, "utf8");
    const whole = runThrough([bytes], false);
    expect(whole.forwarded).toHaveLength(6);
    expect(whole.forwarded.join("")).toBe(vllmStream);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 40 }), (cuts) => {
        const split = runThrough(splitAt(bytes, cuts), false);
        expect(split.forwarded).toEqual(whole.forwarded);
        expect(split.rest).toBe(0);
        expect(split.observation).toEqual(whole.observation);
      }),
    );
  });

  test("CRLF-terminated events split the same way", () => {
    const crlf = "data: {\"a\":1}\r\n\r\ndata: [DONE]\r\n\r\n";
    const events = new SseEventSplitter().push(Buffer.from(crlf));
    expect(events.map((e) => e.toString())).toEqual(["data: {\"a\":1}\r\n\r\n", "data: [DONE]\r\n\r\n"]);
  });

  test("the observer takes first token, finish reason and usage, and drops the usage chunk only when told", () => {
    const kept = runThrough([Buffer.from(vllmStream)], false);
    expect(kept.observation).toMatchObject({ promptTokens: 16, completionTokens: 3, cachedTokens: 8, finishReason: "length", sawDone: true });
    // Two events carried text: the count that stands in for usage when a stream dies before its usage chunk.
    expect(kept.observation.tokenEvents).toBe(2);
    // The role chunk carries no token: the first token is the second event.
    expect(kept.observation.firstTokenAt).toBe(2);
    const dropped = runThrough([Buffer.from(vllmStream)], true);
    expect(dropped.forwarded).toHaveLength(5);
    expect(dropped.forwarded.some((e) => e.includes('"usage"'))).toBe(false);
    expect(dropped.observation.completionTokens).toBe(3);
  });

  test("usage riding on content chunks (continuous_usage_stats) is never dropped", () => {
    const event = chunk({ ...base, choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }], usage: { prompt_tokens: 1, completion_tokens: 1 } });
    expect(runThrough([Buffer.from(event)], true).forwarded).toHaveLength(1);
  });

  test("an error event inside the stream is recorded", () => {
    const event = chunk({ error: { message: "engine died", type: "BadRequestError", param: null, code: 400 } });
    expect(runThrough([Buffer.from(event)], false).observation.upstreamError).toBe("engine died");
  });

  test("tool-call deltas and Responses API deltas count as the first token", () => {
    const tool = chunk({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "c", type: "function", function: { name: "f", arguments: "" } }] }, finish_reason: null }] });
    expect(runThrough([Buffer.from(tool)], false).observation.firstTokenAt).toBe(1);
    const responses = `event: response.output_text.delta\n${chunk({ type: "response.output_text.delta", delta: "Hi" })}`;
    expect(runThrough([Buffer.from(responses)], false).observation.firstTokenAt).toBe(1);
  });

  test("eventData joins multi-line data and ignores comments", () => {
    expect(eventData(": keep-alive\n\n")).toBeNull();
    expect(eventData("event: x\ndata: a\ndata:b\n\n")).toBe("a\nb");
  });
});
