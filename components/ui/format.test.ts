import { describe, expect, test } from "vitest";
import {
  formatCelsius,
  formatCompact,
  formatDuration,
  formatEnergyWh,
  formatFraction,
  formatMemoryMiB,
  formatPercent,
  formatRelative,
  formatTokensPerSecond,
  formatWatts,
  humanize,
  MISSING,
} from "./format";

describe("units", () => {
  test("unknown telemetry is a dash, never a zero", () => {
    for (const format of [formatPercent, formatFraction, formatMemoryMiB, formatWatts, formatCelsius, formatTokensPerSecond, formatDuration, formatEnergyWh]) {
      expect(format(null)).toBe(MISSING);
      expect(format(undefined)).toBe(MISSING);
      expect(format(Number.NaN)).toBe(MISSING);
    }
    expect(formatWatts(0)).toBe("0 W");
  });

  test("memory is reported by nvidia-smi in MiB and shown in GiB, the unit kept on its number's line", () => {
    expect(formatMemoryMiB(24_576)).toBe("24.0\u00a0GiB");
    expect(formatMemoryMiB(21_001)).toBe("20.5\u00a0GiB");
  });

  test("KV-cache usage is a fraction, utilization already a percentage", () => {
    expect(formatFraction(0.423)).toBe("42 %");
    expect(formatPercent(42.3)).toBe("42 %");
    expect(formatFraction(0.4236, 1)).toBe("42.4 %");
  });

  test("power, temperature and token rates", () => {
    expect(formatWatts(349.6)).toBe("350 W");
    expect(formatCelsius(63.4)).toBe("63 °C");
    expect(formatTokensPerSecond(42.25)).toBe("42.3 tok/s");
    expect(formatTokensPerSecond(1234.4)).toBe("1,234 tok/s");
  });

  test("durations pick a unit a person reads at a glance", () => {
    expect(formatDuration(85.4)).toBe("85 ms");
    expect(formatDuration(1_240)).toBe("1.24 s");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(125_000)).toBe("2 min 05 s");
    expect(formatDuration(3_720_000)).toBe("1 h 02 min");
  });

  test("axis numbers are bare and short", () => {
    expect([0, 0.25, 7.5, 12.4, 350, 1_500, 24_576, 2_000_000].map(formatCompact)).toEqual(["0", "0.25", "7.5", "12", "350", "1.5k", "24.6k", "2M"]);
  });

  test("energy of one request is usually milliwatt-hours", () => {
    expect(formatEnergyWh(0.00123)).toBe("1.23 mWh");
    expect(formatEnergyWh(0.5)).toBe("500.0 mWh");
    expect(formatEnergyWh(2.5)).toBe("2.50 Wh");
  });
});

describe("times", () => {
  test("relative times", () => {
    const now = Date.parse("2026-11-27T12:00:00Z");
    expect(formatRelative("2026-11-27T11:59:58Z", now)).toBe("just now");
    expect(formatRelative("2026-11-27T11:59:18Z", now)).toBe("42 s ago");
    expect(formatRelative("2026-11-27T11:55:00Z", now)).toBe("5 min ago");
    expect(formatRelative("2026-11-27T09:00:00Z", now)).toBe("3 h ago");
    expect(formatRelative(null, now)).toBe(MISSING);
  });

  test("identifiers in words", () => {
    expect(humanize("wait_gpu_memory")).toBe("Wait gpu memory");
  });
});
