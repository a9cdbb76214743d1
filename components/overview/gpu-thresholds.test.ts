import { describe, expect, test } from "vitest";
import { temperatureTone, temperatureToneWord } from "./gpu-thresholds";

describe("GPU temperature thresholds", () => {
  test("below 80 °C is fine, from 80 °C hot, from 90 °C critical; unknown has no colour", () => {
    expect([45, 79.9, 80, 89.9, 90, 97].map(temperatureTone)).toEqual(["ok", "ok", "warn", "warn", "bad", "bad"]);
    expect(temperatureTone(null)).toBe("none");
    expect(temperatureTone(Number.NaN)).toBe("none");
  });

  test("the tone is said in words, not by colour alone", () => {
    expect([temperatureToneWord("ok"), temperatureToneWord("warn"), temperatureToneWord("bad")]).toEqual([null, "hot", "critical"]);
  });
});
