import { expect, test } from "vitest";
import { overloadSettings, seededIntegers } from "./overload";

test("batch lengths are spread evenly over the range, and the same on every run", () => {
  const draw = seededIntegers(32, 96);
  const values = Array.from({ length: 4000 }, draw);
  expect(Math.min(...values)).toBe(32);
  expect(Math.max(...values)).toBe(96);
  expect(values.reduce((a, b) => a + b, 0) / values.length).toBeGreaterThan(62);
  expect(values.reduce((a, b) => a + b, 0) / values.length).toBeLessThan(66);
  const again = seededIntegers(32, 96);
  expect(Array.from({ length: 50 }, again)).toEqual(values.slice(0, 50));
});

test("the batch client offers twice the simulator's capacity, and admission on leaves the simulator headroom", () => {
  for (const quick of [false, true]) {
    const s = overloadSettings(quick);
    expect(s.batch.concurrency).toBe(2 * s.simulator.maxNumSeqs);
    expect(s.admissionOn.maxConcurrency).toBeLessThan(s.simulator.maxNumSeqs);
    // Batch overflows the queue (so refusals are exercised); pass-through never refuses.
    expect(s.admissionOn.maxConcurrency + s.admissionOn.maxQueue).toBeLessThan(s.batch.concurrency);
    expect(s.admissionOff.maxConcurrency).toBeGreaterThan(s.batch.concurrency + 100);
  }
});
