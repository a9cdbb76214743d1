import { expect, test } from "vitest";
import { summarizeSeries } from "./chart-summary";

test("a chart's text summary gives each series' latest value and range, skipping gaps", () => {
  const rows = [
    { t: 1, a: 10, b: null },
    { t: 2, a: null, b: null },
    { t: 3, a: 30, b: null },
    { t: 4, a: 20, b: null },
  ];
  const summary = summarizeSeries(rows, [{ key: "a", label: "Utilization" }, { key: "b", label: "Power" }], (v) => `${v} %`);
  expect(summary).toBe("Utilization: latest 20 %, lowest 10 %, highest 30 %. Power: no data.");
  expect(summarizeSeries([], [{ key: "a", label: "Utilization" }], String)).toBe("No data in this range.");
});
