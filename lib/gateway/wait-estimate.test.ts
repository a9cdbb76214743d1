import { describe, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { retryAfterSeconds, spokenSeconds } from "./wait-estimate";

const config = parseLabConfig(`
runtime: none
gpuTelemetry: none
backends:
  a: { url: "http://127.0.0.1:18001", servedModel: a }
modes:
  one: { backends: [a] }
gateway: { retryAfterSeconds: 5 }
lab: { loadTimeoutSeconds: 300 }
`);

const remaining = (remainingMs: number, overdue = false) => ({ expectedMs: 41_000, elapsedMs: 41_000 - remainingMs, remainingMs, overdue, basis: "history" as const });

describe("Retry-After from the estimate", () => {
  test("the expected remaining time, rounded up to whole seconds", () => {
    expect(retryAfterSeconds(config, remaining(29_000))).toBe(29);
    expect(retryAfterSeconds(config, remaining(28_100))).toBe(29);
  });

  test("at least 1 s, at most the load timeout", () => {
    expect(retryAfterSeconds(config, remaining(0))).toBe(1);
    expect(retryAfterSeconds(config, remaining(200))).toBe(1);
    expect(retryAfterSeconds(config, remaining(3_600_000))).toBe(300);
  });

  test("the flat gateway.retryAfterSeconds without an operation, or once it is overdue", () => {
    expect(retryAfterSeconds(config, null)).toBe(5);
    expect(retryAfterSeconds(config, remaining(0, true))).toBe(5);
  });
});

test("durations are said in whole seconds, rounded up, then minutes", () => {
  expect(spokenSeconds(0)).toBe("1 s");
  expect(spokenSeconds(29_200)).toBe("30 s");
  expect(spokenSeconds(120_000)).toBe("2 min");
  expect(spokenSeconds(125_000)).toBe("2 min 5 s");
});
