import { describe, expect, test } from "vitest";
import type { UsageReportJson } from "@/components/hooks/api-types";
import { energyCost, formatCost, formatPercentiles, groupLabel, groupSeries, labSeries, perBucket, usageTotalsRows, usageWindow } from "./usage-view";

type Figures = UsageReportJson["totals"][number];

const HOUR = 3_600_000;
const base = Date.UTC(2026, 11, 6, 0, 0, 0);

function figures(partial: Partial<Figures>): Figures {
  return {
    group: null,
    requests: 0,
    status4xx: 0,
    status5xx: 0,
    failedStreams: 0,
    clientAborts: 0,
    promptTokens: 0,
    completionTokens: 0,
    energyWh: 0,
    ttftMeanMs: null,
    ttftP50Ms: null,
    ttftP95Ms: null,
    ttftP99Ms: null,
    ttftMaxMs: null,
    durationMeanMs: null,
    durationP50Ms: null,
    durationP95Ms: null,
    durationP99Ms: null,
    durationMaxMs: null,
    ...partial,
  };
}

function report(partial: Partial<UsageReportJson>): UsageReportJson {
  return { from: new Date(base).toISOString(), to: new Date(base + 4 * HOUR).toISOString(), bucketMs: HOUR, groupBy: null, series: [], totals: [], energyPrice: null, groupLabels: {}, ...partial };
}

describe("usageWindow", () => {
  test("ends at the next whole minute, so the minute running now is counted, and spans the range", () => {
    const now = base + 12 * 60_000 + 5_000;
    expect(usageWindow("24h", now)).toEqual({ from: base + 13 * 60_000 - 86_400_000, to: base + 13 * 60_000, bucketMinutes: 15 });
    // On a minute's first millisecond the window still reaches past it.
    expect(usageWindow("1h", base).to).toBe(base + 60_000);
    expect(usageWindow("30d", now).bucketMinutes).toBe(240);
  });
});

describe("groupLabel", () => {
  test("API keys by name, the empty value by what it means, unknown ids as themselves", () => {
    expect(groupLabel("k1", "apiKeyId", { k1: "bot" })).toBe("bot");
    expect(groupLabel("console", "apiKeyId", { console: "console playground" })).toBe("console playground");
    expect(groupLabel("", "apiKeyId", {})).toBe("no key");
    expect(groupLabel("", "route", {})).toBe("not routed");
    expect(groupLabel("10.0.0.5", "clientAddress", {})).toBe("10.0.0.5");
    expect(groupLabel(null, null, {})).toBe("All requests");
  });
});

describe("energy cost", () => {
  test("Wh at a price per kWh; none without a price", () => {
    expect(energyCost(2_500, { perKwh: 0.3, currency: "EUR" })).toBeCloseTo(0.75);
    expect(energyCost(2_500, null)).toBeNull();
    expect(formatCost(0.75, "EUR")).toBe("0.7500 EUR");
    expect(formatCost(12.345, "€")).toBe("12.35 €");
    expect(formatCost(0, "EUR")).toBe("0.00 EUR");
    expect(formatCost(0.0000482, "EUR")).toBe("0.000048 EUR");
    expect(formatCost(null, "EUR")).toBe("—");
  });
});

describe("usageTotalsRows", () => {
  test("keeps the API's figures and order, adds the label, the tokens and the cost", () => {
    const rows = usageTotalsRows(
      report({
        groupBy: "apiKeyId",
        groupLabels: { k1: "bot" },
        energyPrice: { perKwh: 0.5, currency: "EUR" },
        totals: [figures({ group: "k1", requests: 5, promptTokens: 10, completionTokens: 30, energyWh: 4, ttftP95Ms: 120 }), figures({ group: "", requests: 2 })],
      }),
    );
    expect(rows.map((r) => [r.label, r.requests, r.tokens, r.cost, r.ttftP95Ms])).toEqual([
      ["bot", 5, 40, 0.002, 120],
      ["no key", 2, 0, 0, null],
    ]);
  });
});

describe("labSeries", () => {
  test("one row per bucket of the window: quiet buckets are zero requests but latency gaps", () => {
    const series = labSeries(
      report({
        series: [
          { at: base + HOUR, ...figures({ requests: 3, status5xx: 1, failedStreams: 1, completionTokens: 9, energyWh: 0.5, ttftP50Ms: 40 }) },
          { at: base + 3 * HOUR, ...figures({ requests: 1, ttftP50Ms: 80 }) },
        ],
      }),
    );
    expect(series.domain).toEqual([base, base + 4 * HOUR]);
    expect(series.rows.map((r) => r.t)).toEqual([base, base + HOUR, base + 2 * HOUR, base + 3 * HOUR]);
    expect(series.rows.map((r) => r.requests)).toEqual([0, 3, 0, 1]);
    expect(series.rows.map((r) => r.status5xx)).toEqual([0, 1, 0, 0]);
    expect(series.rows.map((r) => r.failedStreams)).toEqual([0, 1, 0, 0]);
    expect(series.rows.map((r) => r.ttftP50Ms)).toEqual([null, 40, null, 80]);
  });

  test("a window that starts inside a bucket includes that bucket (the API counts it whole)", () => {
    const rows = labSeries(report({ from: new Date(base + 30 * 60_000).toISOString(), series: [{ at: base, ...figures({ requests: 2 }) }] })).rows;
    expect(rows[0]).toMatchObject({ t: base, requests: 2 });
  });
});

describe("groupSeries", () => {
  test("errors per group count 4xx, 5xx and streams cut after their 200", () => {
    const errors = groupSeries(
      report({
        groupBy: "backend",
        totals: [figures({ group: "qwen-7b", requests: 9, status4xx: 1, status5xx: 2, failedStreams: 3 })],
        series: [{ at: base, ...figures({ group: "qwen-7b", requests: 9, status4xx: 1, status5xx: 2, failedStreams: 3 }) }],
      }),
      "errors",
    );
    expect(errors.data.rows.find((row) => row.t === base)).toMatchObject({ g0: 6 });
  });

  const grouped = report({
    groupBy: "requestedModel",
    totals: [
      figures({ group: "fast", requests: 6, completionTokens: 10 }),
      figures({ group: "reasoning", requests: 2, completionTokens: 90 }),
      figures({ group: "embed", requests: 1, completionTokens: 0 }),
    ],
    series: [
      { at: base, ...figures({ group: "fast", requests: 4, completionTokens: 4 }) },
      { at: base, ...figures({ group: "reasoning", requests: 2, completionTokens: 90 }) },
      { at: base + 2 * HOUR, ...figures({ group: "fast", requests: 2, completionTokens: 6 }) },
      { at: base + 2 * HOUR, ...figures({ group: "embed", requests: 1 }) },
    ],
  });

  test("the largest groups by the chosen metric each get a line; the rest are summed as others", () => {
    const byRequests = groupSeries(grouped, "requests", 2);
    expect(byRequests.lines).toEqual([
      { key: "g0", label: "fast" },
      { key: "g1", label: "reasoning" },
      { key: "other", label: "1 other" },
    ]);
    expect(byRequests.data.rows).toEqual([
      { t: base, g0: 4, g1: 2, other: 0 },
      { t: base + HOUR, g0: 0, g1: 0, other: 0 },
      { t: base + 2 * HOUR, g0: 2, g1: 0, other: 1 },
      { t: base + 3 * HOUR, g0: 0, g1: 0, other: 0 },
    ]);
    // Ranked by tokens, reasoning comes first.
    expect(groupSeries(grouped, "tokens", 2).lines[0]).toEqual({ key: "g0", label: "reasoning" });
  });

  test("no other line when every group has its own", () => {
    expect(groupSeries(grouped, "requests").lines.map((l) => l.key)).toEqual(["g0", "g1", "g2"]);
  });
});

test("perBucket names what a point counts", () => {
  expect(perBucket(60_000)).toBe("per minute");
  expect(perBucket(15 * 60_000)).toBe("per 15 min");
  expect(perBucket(HOUR)).toBe("per hour");
  expect(perBucket(4 * HOUR)).toBe("per 4 h");
});

test("formatPercentiles names the unit once when it can", () => {
  expect(formatPercentiles([213.4, 462, 492])).toBe("213 · 462 · 492 ms");
  expect(formatPercentiles([625, 4_380, 4_880])).toBe("625 ms · 4.38 s · 4.88 s");
  expect(formatPercentiles([null, null, null])).toBe("—");
  expect(formatPercentiles([40, null, 60])).toBe("40 ms · — · 60 ms");
});
