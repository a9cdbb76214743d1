import { expect, test } from "vitest";
import { markersAt, markerSummary } from "./chart-marker-style";
import type { ChartMarker } from "./chart-markers";

const marker = (id: string, kind: ChartMarker["kind"], from: number, to = from): ChartMarker => ({ id, kind, from, to, label: id, backendId: null, bad: false });
const markers = [marker("s", "switch", 10_000, 40_000), marker("c", "crash", 60_000), marker("r1", "restart", 61_000, 70_000), marker("r2", "restart", 100_000, 120_000)];

test("the tooltip names the markers under the hovered time; an instant within one bucket", () => {
  expect(markersAt(markers, 20_000, 5_000).map((m) => m.id)).toEqual(["s"]);
  expect(markersAt(markers, 63_000, 5_000).map((m) => m.id)).toEqual(["c", "r1"]);
  expect(markersAt(markers, 80_000, 5_000)).toEqual([]);
  // A switch shorter than a bucket, between two bucket starts, shows on the bucket before it.
  expect(markersAt([marker("short", "switch", 41_000, 42_000)], 40_000, 5_000).map((m) => m.id)).toEqual(["short"]);
});

test("a chart's caption counts its markers by kind", () => {
  expect(markerSummary(markers)).toBe("1 mode switch, 1 crash, 2 restarts");
});
