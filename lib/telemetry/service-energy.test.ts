import { describe, expect, test } from "vitest";
import { integrateEnergyWh, type PowerPoint } from "./service-energy";

const options = { intervalMs: 1000, maxGapMs: 5000 };
const steady = (watts: number, fromMs: number, toMs: number, everyMs = 1000): PowerPoint[] => {
  const points: PowerPoint[] = [];
  for (let at = fromMs; at <= toMs; at += everyMs) points.push({ at, powerDrawW: watts });
  return points;
};

describe("integrateEnergyWh", () => {
  test("constant power over an hour is watts x 1 h", () => {
    expect(integrateEnergyWh(steady(300, 0, 3_600_000), 0, 3_600_000, options)).toBeCloseTo(300, 6);
  });

  test("a linear ramp integrates to its average", () => {
    // 100 W at t=0 rising to 300 W at t=10 s: 200 W average over 10 s.
    const points: PowerPoint[] = Array.from({ length: 11 }, (_, i) => ({ at: i * 1000, powerDrawW: 100 + 20 * i }));
    expect(integrateEnergyWh(points, 0, 10_000, options)).toBeCloseTo((200 * 10) / 3600, 9);
    // Half the window, read between samples: from 2.5 s (150 W) to 7.5 s (250 W).
    expect(integrateEnergyWh(points, 2500, 7500, options)).toBeCloseTo((200 * 5) / 3600, 9);
  });

  test("a window shorter than one interval uses the latest power before its end", () => {
    const points: PowerPoint[] = [
      { at: 0, powerDrawW: 100 },
      { at: 1000, powerDrawW: 340 },
      { at: 2000, powerDrawW: 30 },
    ];
    expect(integrateEnergyWh(points, 1200, 1700, options)).toBeCloseTo((340 * 0.5) / 3600, 9);
    // A request that ended just after the last tick: the last reading holds.
    expect(integrateEnergyWh(points, 2100, 2400, options)).toBeCloseTo((30 * 0.3) / 3600, 9);
  });

  test("the last reading holds until a window's end a little after it", () => {
    const points = steady(200, 0, 10_000);
    expect(integrateEnergyWh(points, 5000, 12_000, options)).toBeCloseTo((200 * 7) / 3600, 9);
  });

  test("null without readings near the window, or when power is not reported", () => {
    expect(integrateEnergyWh([], 0, 10_000, options)).toBeNull();
    expect(integrateEnergyWh(steady(200, 0, 10_000), 60_000, 70_000, options)).toBeNull();
    expect(integrateEnergyWh([{ at: 0, powerDrawW: null }, { at: 1000, powerDrawW: null }], 0, 1000, options)).toBeNull();
    expect(integrateEnergyWh(steady(200, 0, 10_000), 5000, 4000, options)).toBeNull();
  });

  test("readings with unknown power are skipped, not counted as zero", () => {
    const points: PowerPoint[] = [
      { at: 0, powerDrawW: 100 },
      { at: 1000, powerDrawW: null },
      { at: 2000, powerDrawW: 100 },
    ];
    expect(integrateEnergyWh(points, 0, 2000, options)).toBeCloseTo((100 * 2) / 3600, 9);
  });
});
