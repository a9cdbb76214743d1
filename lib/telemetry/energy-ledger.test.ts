import { describe, expect, test } from "vitest";
import { createEnergyLedger, type EnergyLedger, type EnergySettlement } from "./energy-ledger";

// Times are ms on a fake clock; energies are given in watt-seconds and compared in Wh.
const ws = (wattSeconds: number) => wattSeconds / 3600;
const ledgerWithGap = (maxGapMs = 5000) => createEnergyLedger({ maxGapMs });

/** Feeds constant-power readings for `gpu` at each time; returns every settlement they produced. */
function readings(ledger: EnergyLedger, gpu: number, watts: number, times: number[]): EnergySettlement[] {
  return times.flatMap((at) => ledger.reading(gpu, at, watts));
}

function energyOf(settlements: EnergySettlement[], id: string): number | null | undefined {
  return settlements.find((s) => s.requestId === id)?.energyWh;
}

describe("energy ledger", () => {
  test("concurrent requests share the GPU's energy; time with none in flight is idle; the parts add up", () => {
    const ledger = ledgerWithGap();
    const settled: EnergySettlement[] = [];
    settled.push(...ledger.reading(0, 0, 300));
    ledger.begin("a", [0], 500);
    settled.push(...ledger.reading(0, 1000, 300));
    ledger.begin("b", [0], 1000);
    settled.push(...ledger.reading(0, 2000, 300));
    ledger.end("a", 2500);
    expect(ledger.finish("a")).toBe("pending");
    ledger.end("b", 3000);
    expect(ledger.finish("b")).toBe("pending");
    settled.push(...readings(ledger, 0, 300, [3000, 4000]));

    // a: alone 0.5 s, then shares 1.5 s with b; b: shares 1.5 s, then alone 0.5 s.
    expect(energyOf(settled, "a")).toBeCloseTo(ws(300 * 0.5 + (300 * 1.5) / 2), 12);
    expect(energyOf(settled, "b")).toBeCloseTo(ws((300 * 1.5) / 2 + 300 * 0.5), 12);
    const totals = ledger.totals();
    expect(totals.measuredWh).toBeCloseTo(ws(300 * 4), 12);
    expect(totals.idleWh).toBeCloseTo(ws(300 * 0.5 + 300 * 1), 12); // before a, after b
    const rows = settled.reduce((sum, s) => sum + (s.energyWh ?? 0), 0);
    expect(rows + totals.idleWh).toBeCloseTo(totals.measuredWh, 12);
    expect(totals.requestsWh).toBeCloseTo(rows, 12);
    expect(totals.upToMs).toBe(4000);
  });

  test("power changing between readings is a straight line, split piece by piece", () => {
    const ledger = ledgerWithGap();
    ledger.reading(0, 0, 100);
    ledger.begin("a", [0], 0);
    ledger.begin("b", [0], 500);
    ledger.end("a", 1000);
    ledger.end("b", 1000);
    ledger.finish("a");
    ledger.finish("b");
    const settled = ledger.reading(0, 1000, 300);
    // 0-0.5 s: 100 -> 200 W, a alone (75 Ws); 0.5-1 s: 200 -> 300 W shared (125 Ws).
    expect(energyOf(settled, "a")).toBeCloseTo(ws(75 + 62.5), 12);
    expect(energyOf(settled, "b")).toBeCloseTo(ws(62.5), 12);
    expect(ledger.totals().idleWh).toBe(0);
  });

  test("a request on two GPUs takes its share of each", () => {
    const ledger = ledgerWithGap();
    ledger.reading(0, 0, 300);
    ledger.reading(1, 0, 100);
    ledger.begin("tp", [0, 1], 0);
    ledger.begin("small", [0], 0);
    ledger.end("tp", 2000);
    ledger.end("small", 2000);
    ledger.finish("tp");
    ledger.finish("small");
    const settled = [...ledger.reading(0, 1000, 300), ...ledger.reading(1, 1000, 100)];
    expect(settled).toEqual([]); // GPU 0 and 1 have not passed the end yet
    settled.push(...ledger.reading(0, 2000, 300));
    expect(energyOf(settled, "small")).toBeCloseTo(ws((300 * 2) / 2), 12);
    expect(energyOf(settled, "tp")).toBeUndefined(); // waits for GPU 1's reading after its end
    settled.push(...ledger.reading(1, 2000, 100));
    expect(energyOf(settled, "tp")).toBeCloseTo(ws((300 * 2) / 2 + 100 * 2), 12);
    const totals = ledger.totals();
    expect(totals.gpus.map((gpu) => gpu.measuredWh)).toEqual([expect.closeTo(ws(600), 12), expect.closeTo(ws(200), 12)]);
    expect(totals.measuredWh - totals.idleWh).toBeCloseTo(ws(800), 12);
  });

  test("a request that ends between readings is settled at the next one, with its part of that interval", () => {
    const ledger = ledgerWithGap();
    ledger.reading(0, 0, 200);
    ledger.begin("short", [0], 200);
    ledger.begin("long", [0], 300);
    ledger.end("short", 700);
    expect(ledger.finish("short")).toBe("pending");
    const settled = ledger.reading(0, 1000, 200);
    // 0.2-0.3 s alone, 0.3-0.7 s shared with long.
    expect(settled).toEqual([{ requestId: "short", energyWh: expect.closeTo(ws(200 * 0.1 + (200 * 0.4) / 2), 12) }]);
    ledger.end("long", 1500);
    ledger.finish("long");
    expect(ledger.reading(0, 2000, 200)).toEqual([{ requestId: "long", energyWh: expect.closeTo(ws((200 * 0.4) / 2 + 200 * 0.3 + 200 * 0.5), 12) }]);
  });

  test("a request that retried on another GPU is charged both stays", () => {
    const ledger = ledgerWithGap();
    ledger.reading(0, 0, 100);
    ledger.reading(1, 0, 100);
    ledger.begin("r", [0], 0);
    ledger.end("r", 100);
    ledger.begin("r", [1], 200);
    ledger.end("r", 1000);
    ledger.finish("r");
    const settled = [...ledger.reading(0, 1000, 100), ...ledger.reading(1, 1000, 100)];
    expect(energyOf(settled, "r")).toBeCloseTo(ws(100 * 0.1 + 100 * 0.8), 12);
  });

  test("a request that never held a GPU is untracked; one on a GPU without readings is unknown at once", () => {
    const ledger = ledgerWithGap();
    expect(ledger.finish("never")).toBe("untracked");
    ledger.begin("dark", [3], 0);
    ledger.end("dark", 500);
    expect(ledger.finish("dark")).toEqual({ requestId: "dark", energyWh: null });
  });

  test("a gap in the readings: requests running across it are unknown, their known part unattributed, totals still add up", () => {
    const ledger = ledgerWithGap(5000);
    ledger.reading(0, 0, 300);
    ledger.begin("across", [0], 0);
    ledger.reading(0, 1000, 300);
    ledger.end("across", 2000);
    ledger.finish("across");
    const settled = ledger.reading(0, 10_000, 300); // 9 s without readings: unknown
    expect(settled).toEqual([{ requestId: "across", energyWh: null }]);
    const totals = ledger.totals();
    expect(totals.measuredWh).toBeCloseTo(ws(300), 12);
    expect(totals.unattributedWh).toBeCloseTo(ws(300), 12);
    expect(totals.idleWh + totals.requestsWh).toBeCloseTo(totals.measuredWh, 12);
    // After the gap, readings count again.
    ledger.begin("after", [0], 10_000);
    ledger.end("after", 11_000);
    ledger.finish("after");
    expect(ledger.reading(0, 11_000, 300)).toEqual([{ requestId: "after", energyWh: expect.closeTo(ws(300), 12) }]);
  });

  test("when readings stop, expire settles what ended as unknown instead of holding it forever", () => {
    const ledger = ledgerWithGap(5000);
    ledger.reading(0, 0, 300);
    ledger.begin("a", [0], 100);
    ledger.end("a", 600);
    expect(ledger.finish("a")).toBe("pending");
    expect(ledger.expire(4000)).toEqual([]); // still within the gap a reading may come in
    expect(ledger.expire(5001)).toEqual([{ requestId: "a", energyWh: null }]);
    expect(ledger.totals().upToMs).toBeNull();
    // A GPU that went quiet prices nothing new until it reports again.
    ledger.begin("b", [0], 6000);
    expect(ledger.finish("b")).toEqual({ requestId: "b", energyWh: null });
  });

  test("close charges the last interval at the last reading and settles everything that ended", () => {
    const ledger = ledgerWithGap();
    ledger.reading(0, 0, 300);
    ledger.begin("done", [0], 0);
    ledger.begin("running", [0], 0);
    ledger.end("done", 500);
    ledger.finish("done");
    expect(ledger.close(800)).toEqual([{ requestId: "done", energyWh: expect.closeTo(ws((300 * 0.5) / 2), 12) }]);
    expect(ledger.totals().measuredWh).toBeCloseTo(ws(300 * 0.8), 12);
    // What still ran is not priced: its row is written without energy.
    ledger.end("running", 900);
    expect(ledger.finish("running")).toBe("untracked");
    expect(ledger.close(1000)).toEqual([]);
  });

  test("many requests starting and ending at random times: shares always add up to the busy energy", () => {
    const ledger = ledgerWithGap();
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const settled: EnergySettlement[] = [];
    const running: { id: string; gpus: number[] }[] = [];
    let next = 0;
    for (let at = 0; at <= 60_000; at += 50) {
      if (at % 1000 === 0) {
        settled.push(...ledger.reading(0, at, 30 + 300 * random()));
        settled.push(...ledger.reading(1, at, 30 + 300 * random()));
      }
      if (random() < 0.3 && at < 55_000) {
        const gpus = random() < 0.2 ? [0, 1] : [Math.floor(random() * 2)];
        const id = `r${next++}`;
        ledger.begin(id, gpus, at);
        running.push({ id, gpus });
      }
      if (running.length > 0 && random() < 0.3) {
        const [done] = running.splice(Math.floor(random() * running.length), 1);
        ledger.end(done!.id, at);
        const result = ledger.finish(done!.id);
        if (result !== "pending" && result !== "untracked") settled.push(result);
      }
    }
    for (const left of running.splice(0)) {
      ledger.end(left.id, 59_000);
      ledger.finish(left.id);
    }
    settled.push(...ledger.reading(0, 61_000, 100), ...ledger.reading(1, 61_000, 100));
    expect(settled).toHaveLength(next);
    expect(settled.every((s) => s.energyWh !== null && s.energyWh >= 0)).toBe(true);
    const totals = ledger.totals();
    const rows = settled.reduce((sum, s) => sum + (s.energyWh ?? 0), 0);
    expect(rows).toBeCloseTo(totals.requestsWh, 9);
    expect(rows + totals.idleWh).toBeCloseTo(totals.measuredWh, 9);
    expect(totals.idleWh).toBeGreaterThan(0);
  });
});
