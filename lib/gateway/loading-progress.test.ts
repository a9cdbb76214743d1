import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import type { Remaining } from "@/lib/lab/estimator";
import { LoadingProgress, wantsLoadingProgress } from "./loading-progress";
import { eventData, SseEventSplitter } from "./sse";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const configWith = (loadingProgress: string) =>
  parseLabConfig(`
runtime: none
gpuTelemetry: none
backends:
  a: { url: "http://127.0.0.1:18001", servedModel: qwen2.5-32b-instruct-awq }
modes:
  one: { backends: [a] }
routes:
  deep: [a]
gateway: { loadingProgress: ${loadingProgress} }
`);

const key = (keyName: string | null) => ({ keyId: keyName ? "id" : null, keyName, allowedModels: null });

describe("who gets progress", () => {
  test("off by default", () => {
    expect(wantsLoadingProgress(parseLabConfig("runtime: none\ngpuTelemetry: none\nbackends: { a: { url: 'http://127.0.0.1:1', servedModel: a } }\nmodes: { one: { backends: [a] } }\n"), key("k"), "deep")).toBe(false);
  });

  test("the listed routes and keys, or everyone with *", () => {
    const config = configWith("{ routes: [deep], keys: [open-webui] }");
    expect(wantsLoadingProgress(config, key(null), "deep")).toBe(true);
    expect(wantsLoadingProgress(config, key("open-webui"), "fast")).toBe(true);
    expect(wantsLoadingProgress(config, key("batch-job"), "fast")).toBe(false);
    expect(wantsLoadingProgress(configWith("{ routes: ['*'] }"), key(null), "anything")).toBe(true);
    expect(wantsLoadingProgress(configWith("{ keys: ['*'] }"), key(null), "anything")).toBe(true);
  });
});

/** The progress's chunks as a client parses them. */
function collect(): { send: (bytes: Uint8Array) => void; chunks: () => Record<string, unknown>[] } {
  const splitter = new SseEventSplitter();
  const events: Buffer[] = [];
  return {
    send: (bytes) => events.push(...splitter.push(bytes)),
    chunks: () => events.map((event) => JSON.parse(eventData(event) ?? "null") as Record<string, unknown>),
  };
}

type Delta = { role?: string; reasoning?: string; reasoning_content?: string; content?: string };
const deltaOf = (chunk: Record<string, unknown>) => (chunk.choices as { delta: Delta }[])[0]!.delta;

describe("the chunks", () => {
  const remainingAfter = (elapsedMs: number, expectedMs = 41_000, basis: Remaining["basis"] = "history"): Remaining => ({
    expectedMs,
    elapsedMs,
    remainingMs: Math.max(0, expectedMs - elapsedMs),
    overdue: elapsedMs > expectedMs,
    basis,
  });

  test("valid chat.completion.chunk events with one id, created and model; the text under both reasoning names; updates each interval, then ready", async () => {
    let elapsed = 11_000;
    const progress = new LoadingProgress({
      requestId: 42,
      requestedModel: "deep",
      loadingModel: "qwen2.5-32b-instruct-awq",
      why: "switching to mode deep",
      remaining: () => remainingAfter(elapsed),
      reasoningFields: true,
      intervalMs: 5_000,
    });
    const client = collect();
    progress.start(client.send);
    elapsed += 5_000;
    await vi.advanceTimersByTimeAsync(5_000);
    elapsed += 30_000;
    await vi.advanceTimersByTimeAsync(5_000);
    progress.done(client.send);
    await vi.advanceTimersByTimeAsync(20_000);

    const chunks = client.chunks();
    expect(chunks).toHaveLength(4);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id: "chatcmpl-switchyard-42", object: "chat.completion.chunk", created: 1_800_000_000, model: "deep" });
      expect(chunk.choices).toEqual([{ index: 0, delta: expect.any(Object), logprobs: null, finish_reason: null }]);
      expect(deltaOf(chunk).reasoning).toBe(deltaOf(chunk).reasoning_content);
    }
    expect(deltaOf(chunks[0]!).role).toBe("assistant");
    expect(deltaOf(chunks[1]!).role).toBeUndefined();
    const lines = chunks.map((chunk) => deltaOf(chunk).reasoning);
    expect(lines).toEqual([
      "Loading qwen2.5-32b-instruct-awq… about 30 s (usually 41 s; switching to mode deep)\n",
      "… about 25 s left (5 s so far)\n",
      "… taking longer than usual (10 s so far)\n",
      "Ready after 10 s.\n\n",
    ]);
  });

  test("with gateway.compat.reasoningFields off, only `reasoning`; before any history no 'usually'", () => {
    const progress = new LoadingProgress({
      requestId: 1,
      requestedModel: "deep",
      loadingModel: "qwen2.5-32b-instruct-awq",
      why: "switching to mode deep",
      remaining: () => remainingAfter(0, 7_000, "default"),
      reasoningFields: false,
      intervalMs: 5_000,
    });
    const client = collect();
    progress.start(client.send);
    progress.stop();
    const [chunk] = client.chunks();
    expect(deltaOf(chunk!)).toEqual({ role: "assistant", reasoning: "Loading qwen2.5-32b-instruct-awq… about 7 s (switching to mode deep)\n" });
  });

  test("once the operation is over, the wait for the backend's first token is said as such", async () => {
    let remaining: Remaining | null = remainingAfter(1_000, 3_000);
    const progress = new LoadingProgress({ requestId: 1, requestedModel: "m", loadingModel: "m", why: "switching to mode deep", remaining: () => remaining, reasoningFields: false, intervalMs: 1_000 });
    const client = collect();
    progress.start(client.send);
    remaining = null;
    await vi.advanceTimersByTimeAsync(1_000);
    progress.stop();
    expect(client.chunks().map((chunk) => deltaOf(chunk).reasoning)).toEqual(["Loading m… about 2 s (usually 3 s; switching to mode deep)\n", "… ready, waiting for the answer (1 s so far)\n"]);
  });

  test("nothing more after stop()", async () => {
    const progress = new LoadingProgress({ requestId: 1, requestedModel: "m", loadingModel: "m", why: "restarting", remaining: () => null, reasoningFields: true, intervalMs: 1_000 });
    const client = collect();
    progress.start(client.send);
    progress.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.chunks().map((chunk) => deltaOf(chunk).reasoning)).toEqual(["Loading m (restarting)…\n"]);
  });
});
