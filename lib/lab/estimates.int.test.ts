import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { LabStatus } from "@/lib/api/status";
import { medianOfRecent } from "@/lib/lab/estimator";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { waitFor } from "@/lib/testing/wait";

/**
 * Estimates on the simulated lab (real simulator processes, real SQLite): switches leave their timings behind, the
 * next switch is expected to take what they took, a 503 during it says when to come back, and a streaming chat that
 * waits for it sees the wait in its reasoning when the operator enabled that for its model.
 */
const DEEP_LOAD_MS = 5_000;
const FLAT_RETRY_AFTER = 1;
const PROGRESS_MODEL = "qwen2.5-32b-instruct-awq";

let app: AppHarness;

beforeAll(async () => {
  app = await startAppHarness({
    yaml: (ports) =>
      `${simulatedLabYaml({ ...ports, embed: undefined }).replace("loadMs: 600,", `loadMs: ${DEEP_LOAD_MS},`)}gateway: { retryAfterSeconds: ${FLAT_RETRY_AFTER}, loadingProgress: { routes: [${PROGRESS_MODEL}], intervalSeconds: 0.5 } }\n`,
  });
  // Switches, not watchdog restarts, are what this suite measures.
  for (const id of ["qwen-7b", "qwen-14b", "qwen-32b"]) app.switchyard.watchdog?.setEnabled(id, false);
  await waitFor(async () => {
    const ready = (await (await fetch(`${app.url}/readyz`)).json()) as { backends: Record<string, string> };
    return ready.backends["qwen-7b"] === "ready" && ready.backends["qwen-14b"] === "ready";
  }, "the standard backends ready");
}, 60_000);

afterAll(async () => {
  await app?.close();
});

async function status(): Promise<LabStatus> {
  return ((await (await fetch(`${app.url}/api/status`)).json()) as { data: LabStatus }).data;
}

async function activate(mode: string): Promise<void> {
  const response = await fetch(`${app.url}/api/modes/${mode}/activate`, { method: "POST" });
  expect(response.status).toBe(202);
  await response.body?.cancel();
}

async function switchTo(mode: string): Promise<void> {
  await activate(mode);
  await waitFor(async () => (await status()).operation === null, `the switch to ${mode} to end`, 60_000, 200);
  expect(app.switchyard.controller.currentMode()).toBe(mode);
}

const timings = () => app.switchyard.db.operationTiming.findMany({ orderBy: { id: "asc" } });

describe("estimates follow the recorded switches", () => {
  test("each switch leaves its whole time, its steps, and the backends' loads and stops in OperationTiming", async () => {
    for (const mode of ["deep", "standard", "deep", "standard"]) await switchTo(mode);
    await app.switchyard.estimates.flush();
    const rows = await timings();
    // The switches' rows: the start-up loads (no operation) are on record too, and have their own suite.
    const of = (kind: string, match: { backendId?: string; fromMode?: string; step?: string } = {}) =>
      rows.filter((row) => row.operationId !== null && row.kind === kind && Object.entries(match).every(([field, value]) => row[field as keyof typeof row] === value));
    expect(of("switch", { fromMode: "standard" })).toHaveLength(2);
    expect(of("switch", { fromMode: "deep" })).toHaveLength(2);
    expect(of("cold_load", { backendId: "qwen-32b" })).toHaveLength(2);
    expect(of("cold_load", { backendId: "qwen-7b" })).toHaveLength(2);
    expect(of("stop", { backendId: "qwen-32b" })).toHaveLength(2);
    // The 32B's load is the simulator's load time, and the switch into deep mode takes at least that.
    for (const row of of("cold_load", { backendId: "qwen-32b" })) expect(row.durationMs).toBeGreaterThanOrEqual(DEEP_LOAD_MS);
    for (const row of of("switch", { fromMode: "standard" })) expect(row.durationMs).toBeGreaterThan(DEEP_LOAD_MS);
    expect(of("switch_step", { fromMode: "standard", step: "wait_ready" })).toHaveLength(2);
  }, 120_000);

  test("the next switch is expected to take the median of the recorded ones; a 503 meanwhile says how long; waiting streams get progress only where enabled", async () => {
    const rows = await timings();
    const recordedSwitches = rows.filter((row) => row.kind === "switch" && row.fromMode === "standard").map((row) => row.durationMs);
    const recordedWaits = rows.filter((row) => row.kind === "switch_step" && row.fromMode === "standard" && row.step === "wait_ready").map((row) => row.durationMs);

    // Before the switch starts, the console can already say what it usually takes (the Activate dialog).
    const before = await status();
    expect(before.modes.find((m) => m.name === "deep")?.switchEstimate).toEqual({ basis: "history", samples: 2, expectedMs: medianOfRecent(recordedSwitches) });
    expect(before.modes.find((m) => m.name === before.mode)?.switchEstimate).toBeNull();

    await activate("deep");
    const during = await status();
    expect(during.operation?.toMode).toBe("deep");
    expect(during.operationEstimate?.operationId).toBe(during.operation?.id);
    const expectation = during.operationEstimate!.expectation;
    expect(expectation).toMatchObject({ basis: "history", samples: 2, expectedMs: medianOfRecent(recordedSwitches) });
    expect(expectation.steps.wait_ready).toMatchObject({ basis: "history", expectedMs: medianOfRecent(recordedWaits) });
    expect(during.operationEstimate!.remaining.overdue).toBe(false);

    // The 7B's own name is served by no backend of deep mode: refused, and told to come back when the switch is done.
    const refused = await fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "qwen2.5-7b-instruct", max_tokens: 4, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(refused.status).toBe(503);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(FLAT_RETRY_AFTER);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(expectation.expectedMs / 1000));
    await refused.body?.cancel();

    // Two streams wait for the switch: one for the 32B by name (progress enabled for it), one for `fast` (not enabled).
    const client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const read = async (model: string) => {
      const { data: stream, response } = await client.chat.completions
        .create({ model, messages: [{ role: "user", content: "Say hello." }], max_tokens: 12, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return { chunks, logId: response.headers.get("x-switchyard-log-id") };
    };
    const [withProgress, without] = await Promise.all([read(PROGRESS_MODEL), read("fast")]);
    expect(app.switchyard.controller.currentMode()).toBe("deep");

    type ReasoningDelta = { reasoning?: string; reasoning_content?: string };
    const reasoningOf = (chunk: OpenAI.Chat.Completions.ChatCompletionChunk) => (chunk.choices[0]?.delta as ReasoningDelta | undefined)?.reasoning_content;
    const progress = withProgress.chunks.filter((chunk) => reasoningOf(chunk) !== undefined);
    const answer = withProgress.chunks.filter((chunk) => chunk.choices[0]?.delta.content);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const text = progress.map(reasoningOf).join("");
    expect(text).toMatch(new RegExp(`^Loading ${PROGRESS_MODEL}… about \\d+ s \\(usually \\d+ s; switching to mode deep\\)\\n`));
    expect(text).toMatch(/Ready after \d+ s\.\n\n$/);
    // Under both names (gateway.compat.reasoningFields is on), one id for all, the requested model, before any answer.
    for (const chunk of progress) {
      expect((chunk.choices[0]?.delta as ReasoningDelta).reasoning).toBe(reasoningOf(chunk));
      expect(chunk).toMatchObject({ id: progress[0]!.id, object: "chat.completion.chunk", model: PROGRESS_MODEL });
    }
    expect(withProgress.chunks.indexOf(answer[0]!)).toBeGreaterThan(withProgress.chunks.indexOf(progress.at(-1)!));
    expect(answer.map((chunk) => chunk.choices[0]?.delta.content).join("").length).toBeGreaterThan(0);

    // Without the setting: the answer alone, as before.
    expect(without.chunks.some((chunk) => reasoningOf(chunk) !== undefined || (chunk.choices[0]?.delta as ReasoningDelta | undefined)?.reasoning !== undefined)).toBe(false);
    expect(without.chunks.some((chunk) => chunk.choices[0]?.delta.content)).toBe(true);

    // Usage and the log row are the answer's own: the progress is not counted as tokens.
    for (const [result, compat] of [
      [withProgress, "loadingProgress"],
      [without, null],
    ] as const) {
      const usage = result.chunks.find((chunk) => chunk.usage)?.usage;
      const contentDeltas = result.chunks.filter((chunk) => chunk.choices[0]?.delta.content).length;
      expect(usage?.completion_tokens).toBe(contentDeltas);
      let row: Awaited<ReturnType<typeof app.switchyard.db.requestLog.findFirst>> = null;
      await waitFor(async () => {
        await app.switchyard.requestLog.flush();
        row = await app.switchyard.db.requestLog.findFirst({ where: { id: Number(result.logId) } });
        return row !== null && row.outcome !== "open";
      }, `the row of ${result.logId}`);
      expect(row).toMatchObject({ outcome: "served", status: 200, backend: "qwen-32b", stream: true, completionTokens: contentDeltas, compat });
    }
  }, 120_000);
});
