import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getEnv } from "@/lib/env";
import { pickFreePort } from "@/lib/sim/ports";
import { startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { TEST_DOCKER_SOCKET, testEngineAnswers } from "@/lib/testing/test-engine";

/**
 * Switchyard on `runtime: docker` against a real Docker-compatible engine (Podman's API service, started by
 * scripts/ci/podman-setup.sh): simulator containers created the way an operator would, adopted by name, switched
 * between modes and restarted through the admin API, with requests served across the switch.
 */

const SOCKET = TEST_DOCKER_SOCKET;
const ENGINE_PRESENT = testEngineAnswers();
const CREATE_SIM = path.resolve(__dirname, "../../scripts/ci/podman-create-sim.sh");
const run = promisify(execFile);
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const names = { "qwen-7b": `sy-lab-7b-${suffix}`, "qwen-14b": `sy-lab-14b-${suffix}`, "qwen-32b": `sy-lab-32b-${suffix}` };

describe.skipIf(!ENGINE_PRESENT && !getEnv().CI)("the lab on real containers (Podman)", () => {
  const engine = new Docker({ socketPath: SOCKET });
  let app: AppHarness;

  const containerState = async (id: keyof typeof names) => (await engine.getContainer(names[id]).inspect()).State;

  async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 200));
    }
  }

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
    if (!ENGINE_PRESENT) throw new Error(`CI=true but no container engine at ${SOCKET}: run scripts/ci/podman-setup.sh first`);
    const ports = { "qwen-7b": await pickFreePort(), "qwen-14b": await pickFreePort(), "qwen-32b": await pickFreePort() };
    const models = { "qwen-7b": "qwen2.5-7b-instruct", "qwen-14b": "qwen2.5-14b-instruct-awq", "qwen-32b": "qwen2.5-32b-instruct-awq" };
    for (const id of Object.keys(names) as (keyof typeof names)[]) {
      await run(CREATE_SIM, [names[id], String(ports[id]), models[id], "--tokens-per-second", "80"]);
    }
    app = await startAppHarness({
      ports,
      dockerHost: `unix://${SOCKET}`,
      yaml: (p) => `
runtime: docker
gpuTelemetry: none
auth: open
backends:
  qwen-7b: { url: "http://127.0.0.1:${p["qwen-7b"]}", container: ${names["qwen-7b"]}, servedModel: qwen2.5-7b-instruct, gpus: [0] }
  qwen-14b: { url: "http://127.0.0.1:${p["qwen-14b"]}", container: ${names["qwen-14b"]}, servedModel: qwen2.5-14b-instruct-awq, gpus: [1] }
  qwen-32b: { url: "http://127.0.0.1:${p["qwen-32b"]}", container: ${names["qwen-32b"]}, servedModel: qwen2.5-32b-instruct-awq, gpus: [0, 1] }
modes:
  standard: { backends: [qwen-7b, qwen-14b], default: true }
  deep: { backends: [qwen-32b] }
routes:
  fast: [qwen-7b, qwen-32b]
  reasoning: [qwen-14b, qwen-32b]
lab: { drainSeconds: 5, stopTimeoutSeconds: 5, loadTimeoutSeconds: 60 }
`,
    });
    // Start-up reconciliation starts the standard mode's containers.
    await waitFor(async () => {
      const states = await backendStates();
      return states["qwen-7b"] === "ready" && states["qwen-14b"] === "ready";
    }, 60_000);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    for (const name of Object.values(names)) await engine.getContainer(name).remove({ force: true }).catch(() => undefined);
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
    await waitFor(async () => (await api("/api/status")).body.data?.mode === "deep" && (await api("/api/status")).body.data?.operation === null, 90_000);
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
    await waitFor(async () => (await api("/api/status")).body.data?.operation === null, 90_000);
    expect((await api(`/api/modes/switches/${started.body.data?.operationId as string}`)).body.data?.status).toBe("succeeded");
    const after = await containerState("qwen-32b");
    expect(after.Running).toBe(true);
    expect(after.StartedAt).not.toBe(before);
    await waitFor(async () => (await backendStates())["qwen-32b"] === "ready");
    expect((await chat("reasoning")).status).toBe(200);
  }, 120_000);

  test("switching back to standard brings the 7B and 14B containers back", async () => {
    const started = await api("/api/modes/standard/activate", { method: "POST" });
    expect(started.status).toBe(202);
    await waitFor(async () => (await api("/api/status")).body.data?.mode === "standard" && (await api("/api/status")).body.data?.operation === null, 90_000);
    expect((await containerState("qwen-7b")).Running).toBe(true);
    expect((await containerState("qwen-32b")).Running).toBe(false);
    expect((await chat("fast")).headers.get("x-switchyard-backend")).toBe("qwen-7b");
  }, 120_000);
});
