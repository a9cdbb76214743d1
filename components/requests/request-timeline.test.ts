import { expect, test } from "vitest";
import { requestTimeline } from "./request-timeline";

test("a streamed request: queued, then waiting for the first token, then generating", () => {
  const { totalMs, segments } = requestTimeline({ queueMs: 100, ttftMs: 300, durationMs: 1_000 });
  expect(totalMs).toBe(1_000);
  expect(segments.map((s) => [s.kind, s.startMs, s.endMs, s.leftPct, s.widthPct])).toEqual([
    ["queued", 0, 100, 0, 10],
    ["waiting", 100, 300, 10, 20],
    ["generating", 300, 1_000, 30, 70],
  ]);
});

test("a non-streamed request has one upstream bar; no queue, no queue bar", () => {
  const { segments } = requestTimeline({ queueMs: null, ttftMs: null, durationMs: 128 });
  expect(segments.map((s) => [s.kind, s.startMs, s.endMs])).toEqual([["upstream", 0, 128]]);
});

test("a request still open has no bars yet; inconsistent timings are clamped into the request", () => {
  expect(requestTimeline({ queueMs: null, ttftMs: null, durationMs: null }).segments).toEqual([]);
  const { segments } = requestTimeline({ queueMs: 0, ttftMs: 1_500, durationMs: 1_000 });
  expect(segments.every((s) => s.endMs <= 1_000 && s.startMs >= 0)).toBe(true);
});
