import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chatLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { labClient } from "@/lib/testing/lab-client";
import { waitFor } from "@/lib/testing/wait";

/**
 * Level-2 sleep on simulator processes: the engines discard their weights when their mode is left, and when it
 * returns they must be woken the way vLLM documents (weights, reload_weights, KV cache). A plain /wake_up would
 * leave them answering garbage (the simulator's "!!!!", lib/sim/README.md), so the proof is that a chat after the
 * round trip answers exactly what it answered before.
 */

let app: AppHarness;

const { status, switchTo } = labClient(() => app.url);

/** The same prompt and seed each time: the simulator's answer is a function of them and of the weights. */
async function answer(model: string): Promise<{ status: number; backend: string | null; content: string }> {
  const response = await fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: 10, seed: 11, messages: [{ role: "user", content: "Name three rivers." }] }),
  });
  const body = (await response.json()) as { choices?: { message: { content: string } }[] };
  return { status: response.status, backend: response.headers.get("x-switchyard-backend"), content: body.choices?.[0]?.message.content ?? "" };
}

beforeAll(async () => {
  // 14,000 MiB of weights (70 % of 20,000) read at 20,000 MiB/s: a 0.8 s reload per engine.
  const sim = (loadMs: number) => `{ loadMs: ${loadMs}, ttftMs: 20, tokensPerSecond: 200, maxNumSeqs: 32, memoryMiB: 20000, diskMiBps: 20000 }`;
  app = await startAppHarness({
    yaml: (ports) =>
      chatLabYaml(ports, {
        sleep: true,
        sim: { "qwen-7b": sim(1500), "qwen-14b": sim(1500), "qwen-32b": sim(1500) },
        lab: "{ drainSeconds: 5, stopTimeoutSeconds: 5, memoryReleaseSeconds: 15, memoryReleasedBelowMiB: 3072, loadTimeoutSeconds: 30 }",
        telemetryIntervalMs: 250,
      }).replaceAll("sleep: { level: 1 }", "sleep: { level: 2 }"),
  });
  await waitFor(async () => (await status()).backends.filter((b) => b.inCurrentMode).every((b) => b.state === "ready"), "the standard mode to load", 30_000, 200);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe("a level-2 sleep switch on simulator processes", () => {
  test("standard -> deep -> standard: the 7B and 14B sleep at level 2, are woken with their weights reloaded, and answer as before", async () => {
    const before = { fast: await answer("fast"), reasoning: await answer("reasoning") };
    expect(before.fast).toMatchObject({ status: 200, backend: "qwen-7b" });
    expect(before.reasoning).toMatchObject({ status: 200, backend: "qwen-14b" });
    expect(before.fast.content).toMatch(/[a-z]{2,}/i);

    const toDeep = await switchTo("deep");
    expect(toDeep.status).toBe("succeeded");
    expect(toDeep.steps.find((s) => s.name === "sleep_engines")?.detail).toMatch(/qwen-7b asleep \(level 2\); qwen-14b asleep \(level 2\)/);
    expect((await status()).backends.find((b) => b.id === "qwen-7b")).toMatchObject({ state: "asleep", asleep: { level: 2 } });
    expect(await answer("fast")).toMatchObject({ status: 200, backend: "qwen-32b" });

    const back = await switchTo("standard");
    expect(back.status).toBe("succeeded");
    // Woken, not reloaded by a restart, and with their weights: the same answers as before the round trip.
    expect({ fast: await answer("fast"), reasoning: await answer("reasoning") }).toEqual(before);
    const wake = back.steps.find((s) => s.name === "wake_engines")?.detail ?? "";
    expect(wake).toMatch(/qwen-7b awake in [0-9.]+ s \(level 2: weights woken, reloaded from disk, KV cache woken\)/);
    expect(wake).toMatch(/qwen-14b awake in [0-9.]+ s \(level 2: /);
    // The reload reads the weights from disk: the wake takes at least that (0.8 s), not the 0.1 s of a bare remap.
    for (const seconds of [...wake.matchAll(/awake in ([0-9.]+) s/g)].map((m) => Number(m[1]))) expect(seconds).toBeGreaterThanOrEqual(0.7);
    expect(back.steps.find((s) => s.name === "start_containers")?.detail).toBe("nothing to start");
  }, 90_000);
});
