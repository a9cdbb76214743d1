import { describe, expect, test } from "vitest";
import { isGatewayError, summarizeRecentRequests } from "./gateway-rates";

const now = Date.parse("2026-11-27T10:01:00Z");
const row = (secondsAgo: number, outcome: string, status: number | null, completionTokens: number | null = null) => ({
  receivedAt: new Date(now - secondsAgo * 1_000).toISOString(),
  outcome,
  status,
  completionTokens,
});

describe("gateway rates", () => {
  test("requests per minute, error rate over finished requests, tokens per second", () => {
    const rates = summarizeRecentRequests(
      [row(1, "open", null), row(5, "served", 200, 300), row(10, "served", 200, 300), row(20, "upstream_error", 502), row(30, "bad_request", 400), row(90, "served", 200, 1_000)],
      { now, windowMs: 60_000, truncated: false },
    );
    expect(rates.requests).toBe(5);
    expect(rates.requestsPerMinute).toBe(5);
    expect(rates.errors).toBe(1);
    expect(rates.errorRatePct).toBe(25);
    expect(rates.completionTokensPerSecond).toBe(10);
  });

  test("a full page covers less than the window: rates use the time it covers", () => {
    const rates = summarizeRecentRequests([row(0, "served", 200), row(15, "served", 200)], { now, windowMs: 60_000, truncated: true });
    expect(rates.spanMs).toBe(15_000);
    expect(rates.requestsPerMinute).toBe(8);
  });

  test("no traffic: zero rates and an unknown error rate", () => {
    const rates = summarizeRecentRequests([], { now, windowMs: 60_000, truncated: false });
    expect(rates).toMatchObject({ requests: 0, requestsPerMinute: 0, errorRatePct: null, completionTokensPerSecond: 0 });
  });

  test("queue-full rejections and timeouts are the lab's errors; a client's bad request or hang-up is not", () => {
    expect(isGatewayError({ outcome: "rejected", status: 429 })).toBe(true);
    expect(isGatewayError({ outcome: "timeout", status: 504 })).toBe(true);
    expect(isGatewayError({ outcome: "bad_request", status: 404 })).toBe(false);
    expect(isGatewayError({ outcome: "client_abort", status: 200 })).toBe(false);
  });
});
