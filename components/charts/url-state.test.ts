import { expect, test } from "vitest";
import { parseHistoryRange, withHistoryRange } from "./url-state";

test("a range read from the URL is one the charts know, or the default", () => {
  expect(parseHistoryRange("24h")).toBe("24h");
  expect(parseHistoryRange("3w")).toBe("15m");
  expect(parseHistoryRange(null)).toBe("15m");
});

test("writing a range keeps the other parameters and leaves the default out", () => {
  expect(withHistoryRange("x=1", "7d")).toBe("?x=1&range=7d");
  expect(withHistoryRange("range=7d", "15m")).toBe("");
  expect(parseHistoryRange(new URLSearchParams(withHistoryRange("", "1h")).get("range"))).toBe("1h");
});
