import { describe, expect, test } from "vitest";
import { RingBuffer } from "./ring-buffer";

const item = (at: number) => ({ at, value: at * 10 });

describe("RingBuffer", () => {
  test("keeps items oldest first until it is full", () => {
    const buffer = new RingBuffer<ReturnType<typeof item>>(3);
    expect(buffer.toArray()).toEqual([]);
    expect(buffer.latest()).toBeUndefined();
    buffer.push(item(1));
    buffer.push(item(2));
    expect(buffer.toArray().map((entry) => entry.at)).toEqual([1, 2]);
    expect(buffer.size).toBe(2);
  });

  test("drops the oldest once full, across several wrap-arounds", () => {
    const buffer = new RingBuffer<ReturnType<typeof item>>(3);
    for (let at = 1; at <= 8; at++) buffer.push(item(at));
    expect(buffer.toArray().map((entry) => entry.at)).toEqual([6, 7, 8]);
    expect(buffer.size).toBe(3);
    expect(buffer.latest()?.at).toBe(8);
  });

  test("since(t) returns the window from t on, inclusive", () => {
    const buffer = new RingBuffer<ReturnType<typeof item>>(5);
    for (let at = 10; at <= 70; at += 10) buffer.push(item(at));
    expect(buffer.since(50).map((entry) => entry.at)).toEqual([50, 60, 70]);
    expect(buffer.since(71)).toEqual([]);
    expect(buffer.since(0).map((entry) => entry.at)).toEqual([30, 40, 50, 60, 70]);
  });

  test("since(t) still finds recent items after the clock stepped back", () => {
    const buffer = new RingBuffer<ReturnType<typeof item>>(4);
    [100, 200, 50, 300].forEach((at) => buffer.push(item(at)));
    expect(buffer.since(150).map((entry) => entry.at)).toEqual([200, 300]);
  });

  test("a capacity of one keeps only the latest", () => {
    const buffer = new RingBuffer<ReturnType<typeof item>>(1);
    buffer.push(item(1));
    buffer.push(item(2));
    expect(buffer.toArray()).toEqual([item(2)]);
  });

  test("clear empties it", () => {
    const buffer = new RingBuffer<ReturnType<typeof item>>(2);
    buffer.push(item(1));
    buffer.clear();
    expect(buffer.size).toBe(0);
    buffer.push(item(3));
    expect(buffer.toArray()).toEqual([item(3)]);
  });

  test("rejects a capacity that cannot hold anything", () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(2.5)).toThrow(RangeError);
  });
});
