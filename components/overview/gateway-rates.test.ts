import { describe, expect, test } from "vitest";
import { ratesWindow, summarizeUsage } from "./gateway-rates";

const totals = (over: Partial<Record<"requests" | "status4xx" | "status5xx" | "failedStreams" | "completionTokens", number>>) => ({ totals: [{ requests: 0, status4xx: 0, status5xx: 0, failedStreams: 0, completionTokens: 0, ...over }] as never });

describe("gateway rates from the rollups", () => {
  test("the window is the last whole minute and the running one", () => {
    const now = Date.parse("2026-11-27T10:01:30Z");
    expect(ratesWindow(now)).toEqual({ from: Date.parse("2026-11-27T10:00:00Z"), to: Date.parse("2026-11-27T10:02:00Z") });
  });

  test("rates over the time since the whole minute began; 4xx and 5xx apart", () => {
    const now = Date.parse("2026-11-27T10:01:30Z"); // 90 s into the window
    const rates = summarizeUsage(totals({ requests: 30, status4xx: 3, status5xx: 6, completionTokens: 900 }), { now });
    expect(rates.spanMs).toBe(90_000);
    expect(rates.requestsPerMinute).toBe(20);
    expect(rates.clientErrorPct).toBe(10);
    expect(rates.serverErrorPct).toBe(20);
    expect(rates.completionTokensPerSecond).toBe(10);
  });

  test("streams cut after their 200 count as the lab's errors with the 5xx", () => {
    const rates = summarizeUsage(totals({ requests: 40, status5xx: 2, failedStreams: 6 }), { now: Date.parse("2026-11-27T10:01:30Z") });
    expect(rates.serverErrorPct).toBe(20);
    expect(rates.clientErrorPct).toBe(0);
  });

  test("no requests: no error rates rather than 0 %", () => {
    const rates = summarizeUsage({ totals: [] }, { now: Date.parse("2026-11-27T10:01:00Z") });
    expect(rates).toMatchObject({ requests: 0, requestsPerMinute: 0, clientErrorPct: null, serverErrorPct: null });
  });
});
