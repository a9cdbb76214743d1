import { describe, expect, test } from "vitest";
import { yAxisWidth } from "./axis-width";

describe("the y axis's width", () => {
  test("bare numbers and short units keep the narrow axis", () => {
    expect(yAxisWidth(undefined)).toBe(46);
    expect(yAxisWidth("%")).toBe(46);
  });

  test("a long unit widens the axis so '24 GiB' and '100 ms' fit on one line", () => {
    // At 46 px these labels were broken at the space and the top one was cut off (GPUs page, memory and TTFT charts).
    expect(yAxisWidth(" ms")).toBeGreaterThanOrEqual(58);
    expect(yAxisWidth(" GiB")).toBeGreaterThanOrEqual(64);
    expect(yAxisWidth(" GiB")).toBeGreaterThan(yAxisWidth(" ms"));
  });
});
