import { describe, expect, test } from "vitest";
import type { GpuSample } from "@/components/hooks/api-types";
import { appendGpuSamples, LiveStore, prependLiveRequest, type LiveRequest } from "./live-store";

const sample = (index: number, at: number, utilizationPct: number): GpuSample => ({
  index,
  at,
  utilizationPct,
  memoryUsedMiB: 1,
  memoryTotalMiB: 24_576,
  temperatureC: 40,
  powerDrawW: 100,
  powerLimitW: 350,
  smClockMHz: null,
  fanPct: null,
});

describe("live GPU samples", () => {
  test("keep a sliding window per GPU", () => {
    let history = appendGpuSamples({}, [sample(0, 1_000, 10), sample(1, 1_000, 20)], 5_000);
    history = appendGpuSamples(history, [sample(0, 4_000, 11), sample(1, 4_000, 21)], 5_000);
    history = appendGpuSamples(history, [sample(0, 7_000, 12), sample(1, 7_000, 22)], 5_000);
    expect(history[0]?.map((s) => s.utilizationPct)).toEqual([11, 12]);
    expect(history[1]?.map((s) => s.utilizationPct)).toEqual([21, 22]);
  });

  test("a replayed tick after a reconnect is not added twice", () => {
    const once = appendGpuSamples({}, [sample(0, 1_000, 10)], 60_000);
    const twice = appendGpuSamples(once, [sample(0, 1_000, 10)], 60_000);
    expect(twice[0]).toHaveLength(1);
  });
});

describe("live requests", () => {
  const request = (id: number): LiveRequest => ({ id, receivedAt: "2026-11-27T12:00:00.000Z", outcome: "served", status: 200, backend: "qwen-7b", requestedModel: "fast", seenAt: 0 });

  test("newest first, bounded, each id once", () => {
    let list: LiveRequest[] = [];
    for (const id of [1, 2, 3, 2]) list = prependLiveRequest(list, request(id), 2);
    expect(list.map((r) => r.id)).toEqual([2, 3]);
  });

  test("the store hands out a new snapshot on change and notifies subscribers", () => {
    const store = new LiveStore();
    const before = store.getSnapshot();
    let calls = 0;
    store.subscribe(() => (calls += 1));
    store.setConnection("connecting");
    expect(calls).toBe(0);
    store.setConnection("open");
    store.addRequest(request(1));
    expect(calls).toBe(2);
    expect(store.getSnapshot()).not.toBe(before);
    expect(store.getSnapshot().gpuSamples).toBe(before.gpuSamples);
  });
});
