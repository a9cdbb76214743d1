import { expect, test } from "vitest";
import { classifyOutcome, retryAfterMs, type ResponseFacts } from "./overload-request";

const facts = (overrides: Partial<ResponseFacts>): ResponseFacts => ({ status: 200, retryAfter: null, sawDone: true, sawError: false, failure: null, ...overrides });

test("a 200 stream counts as served only when it reached [DONE] without an error event", () => {
  expect(classifyOutcome(facts({}))).toEqual({ outcome: "served", problem: null });
  expect(classifyOutcome(facts({ sawDone: false }))).toEqual({ outcome: "lost", problem: "200 stream ended without [DONE]" });
  // The gateway ends a failed stream with an error event followed by [DONE]: still lost.
  expect(classifyOutcome(facts({ sawError: true }))).toEqual({ outcome: "lost", problem: "200 stream carried an error event" });
});

test("429 and 503 are refusals only with a usable Retry-After; other statuses and transport failures are lost", () => {
  expect(classifyOutcome(facts({ status: 429, sawDone: false, retryAfter: "3" })).outcome).toBe("refused");
  expect(classifyOutcome(facts({ status: 503, sawDone: false, retryAfter: "Wed, 21 Oct 2037 07:28:00 GMT" })).outcome).toBe("refused");
  expect(classifyOutcome(facts({ status: 503, sawDone: false }))).toEqual({ outcome: "lost", problem: "503 without a usable Retry-After" });
  expect(classifyOutcome(facts({ status: 429, sawDone: false, retryAfter: "soon" })).outcome).toBe("lost");
  expect(classifyOutcome(facts({ status: 500, sawDone: false, retryAfter: "1" }))).toEqual({ outcome: "lost", problem: "status 500" });
  expect(classifyOutcome(facts({ status: null, failure: "SocketError: other side closed" }))).toEqual({ outcome: "lost", problem: "SocketError: other side closed" });
});

test("Retry-After is read as delta-seconds or as an HTTP date", () => {
  const now = Date.parse("2030-01-01T00:00:00Z");
  expect(retryAfterMs("2", now)).toBe(2000);
  expect(retryAfterMs(" 0 ", now)).toBe(0);
  expect(retryAfterMs("Tue, 01 Jan 2030 00:00:05 GMT", now)).toBe(5000);
  expect(retryAfterMs("Mon, 31 Dec 2029 00:00:00 GMT", now)).toBe(0);
  expect(retryAfterMs("-1", now)).toBeNull();
  expect(retryAfterMs(null, now)).toBeNull();
});
