import { PassThrough } from "node:stream";
import { afterEach, describe, expect, test, vi } from "vitest";
import { parseDockerEvent, watchDockerEvents, type EngineContainerEvent } from "./docker-events";

// As Podman 4's compat API sends them (Docker's differ only in lacking containerExitCode).
const PODMAN_DIE =
  '{"status":"die","id":"17e0","from":"localhost/switchyard-sim:test","Type":"container","Action":"die","Actor":{"ID":"17e0","Attributes":{"containerExitCode":"1","exitCode":"1","image":"localhost/switchyard-sim:test","name":"sytest-a","podId":""}},"scope":"local","time":1795785980,"timeNano":1795785980605916317}';

function event(action: string, name: string, timeNano: bigint, attributes: Record<string, string> = {}): string {
  return `${JSON.stringify({
    Type: "container",
    Action: action,
    Actor: { ID: "abc", Attributes: { name, ...attributes } },
    time: Number(timeNano / 1_000_000_000n),
  }).slice(0, -1)},"timeNano":${timeNano}}\n`;
}

describe("parseDockerEvent", () => {
  test("a die event carries the container's exit code and the engine's time", () => {
    const parsed = parseDockerEvent(PODMAN_DIE);
    expect(parsed).toEqual({
      containerName: "sytest-a",
      action: "die",
      exitCode: 1,
      at: new Date(1795785980605),
      timeNano: 1795785980605916317n,
    });
  });

  test("Docker's die (exitCode only) and libpod's 'died' are both die", () => {
    expect(parseDockerEvent(event("die", "vllm", 5_000_000_000n, { exitCode: "137" }))).toMatchObject({ action: "die", exitCode: 137 });
    expect(parseDockerEvent(event("died", "vllm", 5_000_000_000n, { containerExitCode: "2" }))).toMatchObject({ action: "die", exitCode: 2 });
  });

  test("lifecycle actions other than die have no exit code", () => {
    expect(parseDockerEvent(event("start", "vllm", 1n))).toMatchObject({ action: "start", exitCode: null });
    expect(parseDockerEvent(event("oom", "vllm", 1n))).toMatchObject({ action: "oom" });
  });

  test("events the lab does not react to are ignored", () => {
    expect(parseDockerEvent(event("exec_start: /bin/sh -c curl -f localhost:8000/health", "vllm", 1n))).toBeNull();
    expect(parseDockerEvent(event("health_status: healthy", "vllm", 1n))).toBeNull();
    expect(parseDockerEvent('{"Type":"image","Action":"pull","Actor":{"Attributes":{"name":"vllm/vllm-openai"}},"timeNano":1}')).toBeNull();
    expect(parseDockerEvent("not json")).toBeNull();
    expect(parseDockerEvent("[]")).toBeNull();
  });
});

describe("watchDockerEvents", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("reconnects when the stream ends, replays from the last event and passes nothing on twice", async () => {
    const streams: PassThrough[] = [];
    const sinces: Array<number | undefined> = [];
    const received: EngineContainerEvent[] = [];
    const watcher = watchDockerEvents({
      open: async (since) => {
        sinces.push(since);
        const stream = new PassThrough();
        streams.push(stream);
        return stream;
      },
      onEvent: (e) => received.push(e),
      backoff: { initialMs: 5, maxMs: 20 },
    });
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    const first = streams[0]!;
    // A line split across chunks, as a socket may deliver it.
    const start = event("start", "vllm-a", 10_000_000_001n);
    first.write(start.slice(0, 20));
    first.write(start.slice(20) + event("die", "vllm-a", 12_500_000_000n, { exitCode: "1" }));
    await vi.waitFor(() => expect(received).toHaveLength(2));
    first.end();

    await vi.waitFor(() => expect(streams).toHaveLength(2));
    expect(sinces).toEqual([undefined, 12]);
    const second = streams[1]!;
    // The engine replays the die it already sent, then what happened while we were away.
    second.write(event("die", "vllm-a", 12_500_000_000n, { exitCode: "1" }) + event("start", "vllm-a", 13_000_000_000n));
    await vi.waitFor(() => expect(received).toHaveLength(3));
    expect(received.map((e) => `${e.action}:${e.exitCode}`)).toEqual(["start:null", "die:1", "start:null"]);
    watcher.close();
    expect(second.destroyed).toBe(true);
  });

  test("an engine that cannot be reached is retried with growing delays, up to the maximum", async () => {
    vi.useFakeTimers();
    let attempts = 0;
    const watcher = watchDockerEvents({
      open: async () => {
        attempts += 1;
        throw Object.assign(new Error("connect ENOENT /run/docker.sock"), { code: "ENOENT" });
      },
      onEvent: () => {},
      backoff: { initialMs: 100, maxMs: 400 },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toBe(3);
    await vi.advanceTimersByTimeAsync(400);
    expect(attempts).toBe(4);
    await vi.advanceTimersByTimeAsync(400);
    expect(attempts).toBe(5);
    watcher.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(attempts).toBe(5);
  });

  test("reports when the connection drops and comes back", async () => {
    const changes: boolean[] = [];
    const streams: PassThrough[] = [];
    const watcher = watchDockerEvents({
      open: async () => {
        const stream = new PassThrough();
        streams.push(stream);
        return stream;
      },
      onEvent: () => {},
      onConnectionChange: (change) => changes.push(change.connected),
      backoff: { initialMs: 5 },
    });
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    streams[0]!.destroy(new Error("socket hang up"));
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    expect(changes).toEqual([true, false, true]);
    watcher.close();
  });

  test("an outage is reported once, not at every failed retry", async () => {
    const changes: Array<{ connected: boolean; error?: unknown }> = [];
    let attempts = 0;
    const watcher = watchDockerEvents({
      open: async () => {
        attempts += 1;
        throw Object.assign(new Error("connect ENOENT /run/docker.sock"), { code: "ENOENT" });
      },
      onEvent: () => {},
      onConnectionChange: (change) => changes.push(change),
      backoff: { initialMs: 2, maxMs: 4 },
    });
    await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(4));
    watcher.close();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ connected: false, error: expect.objectContaining({ code: "ENOENT" }) });
  });

  test("a stream that opens after close() is dropped at once", async () => {
    let resolveOpen: (stream: PassThrough) => void = () => {};
    const watcher = watchDockerEvents({
      open: () => new Promise<PassThrough>((resolve) => (resolveOpen = resolve)),
      onEvent: () => {},
    });
    watcher.close();
    const late = new PassThrough();
    resolveOpen(late);
    await vi.waitFor(() => expect(late.destroyed).toBe(true));
  });
});
