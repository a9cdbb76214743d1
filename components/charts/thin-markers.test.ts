import { describe, expect, test } from "vitest";
import type { ChartMarker } from "./chart-markers";
import { severity, thinMarkers, thinningNote } from "./thin-markers";

const T0 = Date.parse("2026-11-06T00:00:00Z");
const DAY = 86_400_000;
const domain = [T0, T0 + 30 * DAY] as const;
const marker = (id: string, kind: ChartMarker["kind"], from: number, { bad = kind === "crash", to = from } = {}): ChartMarker => ({ id, kind, from, to, label: id, backendId: null, bad });

describe("thinMarkers", () => {
  test("draws every marker while there are no more than the slots, even two in one slot", () => {
    const markers = [marker("s", "switch", T0 + DAY, { to: T0 + DAY + 40_000 }), marker("c", "crash", T0 + DAY + 1_000)];
    expect(thinMarkers(markers, domain, 4)).toEqual({ drawn: markers, hidden: 0, slotMs: null });
  });

  test("beyond the slots, one marker per slot: a crash wins over the switches beside it", () => {
    // A month of hourly switches, one crash on day 10 among them: 720 markers, 60 slots of 12 hours.
    const switches = Array.from({ length: 720 }, (_, i) => marker(`s${i}`, "switch", T0 + i * 3_600_000 + 60_000, { to: T0 + i * 3_600_000 + 100_000 }));
    const crash = marker("crash", "crash", T0 + 10 * DAY + 5 * 3_600_000);
    const thinned = thinMarkers([...switches.slice(0, 245), crash, ...switches.slice(245)], domain);
    expect(thinned.slotMs).toBe(12 * 3_600_000);
    expect(thinned.drawn).toHaveLength(60);
    expect(thinned.hidden).toBe(721 - 60);
    expect(thinned.drawn.filter((m) => m.kind === "crash").map((m) => m.id)).toEqual(["crash"]);
    // Oldest first, one per slot: slots start every 12 hours.
    const slots = thinned.drawn.map((m) => Math.floor((m.from - T0) / (12 * 3_600_000)));
    expect(slots).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(thinningNote(thinned)).toBe("60 of 721 drawn, the most severe per 12 h 00 min");
  });

  test("in a slot: crash, then a failed operation, then a restart, then a switch; the newest among equals", () => {
    const slot = (markers: ChartMarker[]) => thinMarkers(markers, [T0, T0 + 2_000], 1).drawn.map((m) => m.id);
    const ok = marker("switch", "switch", T0 + 100);
    const restart = marker("restart", "restart", T0 + 50);
    const failed = marker("failed", "switch", T0 + 10, { bad: true });
    const crash = marker("crash", "crash", T0 + 5);
    expect(slot([ok, restart, failed, crash])).toEqual(["crash"]);
    expect(slot([ok, restart, failed])).toEqual(["failed"]);
    expect(slot([ok, restart])).toEqual(["restart"]);
    expect(slot([marker("older", "switch", T0 + 1), ok])).toEqual(["switch"]);
    expect([crash, failed, restart, ok].map(severity)).toEqual([3, 2, 1, 0]);
  });

  test("a marker that began before the range (clipped to its start) counts in the first slot", () => {
    const markers = [marker("a", "switch", T0), marker("b", "crash", T0 + 1), marker("c", "switch", T0 + 29 * DAY)];
    expect(thinMarkers(markers, domain, 2).drawn.map((m) => m.id)).toEqual(["b", "c"]);
  });

  test("nothing left out, nothing to say", () => {
    expect(thinningNote(thinMarkers([marker("s", "switch", T0)], domain))).toBe("");
  });
});
