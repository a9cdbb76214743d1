import { expect, test } from "vitest";
import { nearestTickIndex } from "./chart-sync";

const ticks = [0, 5_000, 10_000, 30_000].map((value) => ({ value }));

test("the crosshair lands on the nearest point of another chart's own buckets", () => {
  expect(nearestTickIndex(ticks, "6000", 7_500)).toBe(1);
  expect(nearestTickIndex(ticks, 9_000, 7_500)).toBe(2);
});

test("no point when the hovered time is in a gap of this chart, or not a time", () => {
  expect(nearestTickIndex(ticks, "20000", 7_500)).toBe(-1);
  expect(nearestTickIndex(ticks, "10:00", 7_500)).toBe(-1);
  expect(nearestTickIndex([], "1000", 7_500)).toBe(-1);
});
