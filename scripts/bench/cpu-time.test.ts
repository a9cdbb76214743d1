import { expect, test } from "vitest";
import { cpuMsFromProcStat } from "./cpu-time";

test("user + system ticks are read even when the command name has spaces and parentheses", () => {
  // utime (field 14) = 250 ticks, stime (field 15) = 50 ticks.
  const stat = "4242 (next-server (v16.4.6)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 1000 100000 2000";
  expect(cpuMsFromProcStat(stat, 100)).toBe(3000);
});

test("a malformed line gives null rather than a wrong number", () => {
  expect(cpuMsFromProcStat("4242 (x) S", 100)).toBeNull();
});
