import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getEnv } from "@/lib/env";
import type { AppHarness } from "@/lib/testing/app-harness";
import { startPodmanLab, type PodmanLab } from "@/lib/testing/podman-lab";
import { testEngineAnswers } from "@/lib/testing/test-engine";
import { waitFor } from "@/lib/testing/wait";

/**
 * Switchyard on `runtime: docker` against a real Docker-compatible engine (Podman's API service, started by
 * scripts/ci/podman-setup.sh): simulator containers created the way an operator would, adopted by name, switched
 * between modes and restarted through the admin API, with requests served across the switch.
 */

describe.skipIf(!testEngineAnswers() && !getEnv().CI)("the lab on real containers (Podman)", () => {
  let lab: PodmanLab;
  let app: AppHarness;

  const containerState = (id: Parameters<PodmanLab["containerState"]>[0]) => lab.containerState(id);

  async function api(pathname: string, init?: RequestInit) {
    const response = await fetch(`${app.url}${pathname}`, init);
    return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown>; error?: { message: string } } };
  }

  async function backendStates(): Promise<Record<string, string>> {
    const { body } = await api("/api/status");
    return Object.fromEntries((body.data?.backends as { id: string; state: string }[]).map((b) => [b.id, b.state]));
  }

  function chat(model: string, stream = false) {
    return fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, stream, max_tokens: stream ? 40 : 6, messages: [{ role: "user", content: "hi" }] }),
    });
  }

  beforeAll(async () => {
    lab = await startPodmanLab({ prefix: "sy-lab" });
    app = lab.app;
    // Start-up reconciliation starts the standard mode's containers.
    await waitFor(async () => {
      const states = await backendStates();
      return states["qwen-7b"] === "ready" && states["qwen-14b"] === "ready";
    }, "the standard mode's containers", 60_000, 200);
  }, 120_000);

  afterAll(async () => {
    await lab?.close();
  });

  test("start-up adopted the containers: the standard mode's run, the 32B's stays stopped", async () => {
    expect((await containerState("qwen-7b")).Running).toBe(true);
    expect((await containerState("qwen-14b")).Running).toBe(true);
    expect((await containerState("qwen-32b")).Running).toBe(false);
    expect((await chat("fast")).headers.get("x-switchyard-backend")).toBe("qwen-7b");
  });

  test("switching to deep stops the 7B and 14B containers, starts the 32B, and a stream started before finishes", async () => {
    const stream = chat("fast", true).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 100));
    const started = await api("/api/modes/deep/activate", { method: "POST" });
    expect(started.status).toBe(202);
    const during = chat("fast");
    expect((await stream).trim().endsWith("data: [DONE]")).toBe(true);
    await waitFor(async () => (await api("/api/status")).body.data?.mode === "deep" && (await api("/api/status")).body.data?.operation === null, "the switch to deep", 90_000, 200);
    expect((await during).headers.get("x-switchyard-backend")).toBe("qwen-32b");

    const record = await api(`/api/modes/switches/${started.body.data?.operationId as string}`);
    expect(record.body.data?.status).toBe("succeeded");
    const steps = record.body.data?.steps as { name: string; durationMs: number }[];
    console.log(`[timings] podman standard -> deep: ${steps.map((s) => `${s.name} ${Math.round(s.durationMs)} ms`).join(", ")}`);

    const [seven, fourteen, thirtyTwo] = await Promise.all([containerState("qwen-7b"), containerState("qwen-14b"), containerState("qwen-32b")]);
    expect(seven.Running).toBe(false);
    expect(seven.ExitCode).toBe(0);
    expect(fourteen.Running).toBe(false);
    expect(thirtyTwo.Running).toBe(true);
    expect((await chat("fast")).headers.get("x-switchyard-backend")).toBe("qwen-32b");
  }, 120_000);

  test("restarting the 32B restarts its container and it serves again", async () => {
    const before = (await containerState("qwen-32b")).StartedAt;
    const started = await api("/api/backends/qwen-32b/restart", { method: "POST" });
    expect(started.status).toBe(202);
    await waitFor(async () => (await api("/api/status")).body.data?.operation === null, "the restart", 90_000, 200);
    expect((await api(`/api/modes/switches/${started.body.data?.operationId as string}`)).body.data?.status).toBe("succeeded");
    const after = await containerState("qwen-32b");
    expect(after.Running).toBe(true);
    expect(after.StartedAt).not.toBe(before);
    await waitFor(async () => (await backendStates())["qwen-32b"] === "ready", "the restarted 32B", 30_000, 200);
    expect((await chat("reasoning")).status).toBe(200);
  }, 120_000);

  test("switching back to standard brings the 7B and 14B containers back", async () => {
    const started = await api("/api/modes/standard/activate", { method: "POST" });
    expect(started.status).toBe(202);
    await waitFor(async () => (await api("/api/status")).body.data?.mode === "standard" && (await api("/api/status")).body.data?.operation === null, "the switch back to standard", 90_000, 200);
    expect((await containerState("qwen-7b")).Running).toBe(true);
    expect((await containerState("qwen-32b")).Running).toBe(false);
    expect((await chat("fast")).headers.get("x-switchyard-backend")).toBe("qwen-7b");
  }, 120_000);
});
