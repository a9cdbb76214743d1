import { expect, test } from "vitest";
import { isIsolatedPoint } from "./isolated-points";

test("a value between gaps (or at an end next to a gap) is isolated; values with a neighbour and gaps are not", () => {
  const rows = [{ v: 1 }, { v: null }, { v: 3 }, { v: null }, { v: 5 }, { v: 6 }];
  expect(rows.map((_, i) => isIsolatedPoint(rows, "v", i))).toEqual([true, false, true, false, false, false]);
  expect(isIsolatedPoint([{ v: 2 }], "v", 0)).toBe(true);
  expect(isIsolatedPoint([{ w: 2 }], "v", 0)).toBe(false);
});
