import { describe, expect, test } from "vitest";
import { currentEngineReadings } from "./status";

const readings = { at: 10_000, running: 1, waiting: 0, kvCacheUsage: 0.1, generationTokensPerSecond: 20, ttftP50Ms: 40, ttftP95Ms: 90 };

describe("a backend's engine readings in the status", () => {
  test("a ready backend shows its latest scrape", () => {
    expect(currentEngineReadings("ready", readings, new Date(5_000))).toEqual(readings);
  });

  test("a stopped or down backend shows none: its last scrape was of an engine that no longer runs", () => {
    expect(currentEngineReadings("stopped", readings, new Date(5_000))).toBeNull();
    expect(currentEngineReadings("down", readings, new Date(5_000))).toBeNull();
  });

  test("a restarted backend shows none until its new engine has been scraped", () => {
    expect(currentEngineReadings("loading", readings, new Date(12_000))).toBeNull();
    expect(currentEngineReadings("ready", readings, new Date(12_000))).toBeNull();
    expect(currentEngineReadings("ready", { ...readings, at: 13_000 }, new Date(12_000))).toMatchObject({ at: 13_000 });
  });

  test("none scraped yet is none", () => {
    expect(currentEngineReadings("ready", null, null)).toBeNull();
  });
});
