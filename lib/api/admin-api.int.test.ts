import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import type { LabStatus } from "./status";

/**
 * The admin API on the simulated lab: the Switchyard from the production factory, the route files and simulator
 * processes, over HTTP. The tests run in order and share one lab, leaving it in standard mode.
 */
let app: AppHarness;

beforeAll(async () => {
  app = await startAppHarness();
  await waitFor(async () => (await status()).backends.filter((b) => b.state === "ready").length === 3, 20_000);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: { data?: T; error?: { code: string; message: string } }; headers: Headers }> {
  const response = await fetch(`${app.url}${path}`, init);
  return { status: response.status, body: (await response.json()) as { data?: T }, headers: response.headers };
}

async function status(): Promise<LabStatus> {
  return (await api<LabStatus>("/api/status")).body.data as LabStatus;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface SseEvent {
  type: string;
  data: Record<string, unknown>;
  at: number;
}

/** Reads /api/events in the background; `events` fills as they arrive. */
function listen(): { events: SseEvent[]; stop: () => void } {
  const events: SseEvent[] = [];
  const controller = new AbortController();
  void (async () => {
    const response = await fetch(`${app.url}/api/events`, { signal: controller.signal });
    const reader = response.body!.getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += new TextDecoder().decode(value);
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const raw = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const type = /^event: (.+)$/m.exec(raw)?.[1];
        const data = /^data: (.+)$/m.exec(raw)?.[1];
        if (type && data) events.push({ type, data: JSON.parse(data) as Record<string, unknown>, at: Date.now() });
      }
    }
  })().catch(() => undefined);
  return { events, stop: () => controller.abort() };
}

function chat(model: string, extra: Record<string, unknown> = {}) {
  return fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], max_tokens: 8, ...extra }),
  });
}

describe("status", () => {
  test("shows the mode, the standard backends (two chat, one embedding) ready, the 32B stopped and two GPUs with samples", async () => {
    const lab = await status();
    expect(lab.mode).toBe("standard");
    expect(Object.fromEntries(lab.backends.map((b) => [b.id, b.state]))).toEqual({ "qwen-7b": "ready", "qwen-14b": "ready", "qwen-32b": "stopped", embed: "ready" });
    await waitFor(async () => (await status()).gpus.length === 2);
    const gpus = (await status()).gpus;
    expect(gpus.map((g) => g.index)).toEqual([0, 1]);
    expect(gpus[0]?.memoryUsedMiB).toBeGreaterThan(10_000);
    expect(gpus[0]?.memoryTotalMiB).toBe(24576);
  });

  test("reports the GPUs' energy since start, split between requests and idle", async () => {
    expect((await chat("fast")).status).toBe(200);
    await waitFor(async () => (await status()).energy.requestsWh > 0);
    const { energy } = await status();
    expect(energy.gpus.map((gpu) => gpu.gpu)).toEqual([0, 1]);
    expect(energy.idleWh).toBeGreaterThan(0);
    expect(energy.requestsWh + energy.idleWh + energy.unattributedWh).toBeCloseTo(energy.measuredWh, 6);
  });
});

describe("mode switch", () => {
  test("standard -> deep while a client streams from fast: the stream finishes, the steps arrive live, fast is then served by the 32B", async () => {
    const sse = listen();
    await waitFor(async () => sse.events.some((e) => e.type === "snapshot"));
    const streaming = fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "fast", stream: true, max_tokens: 60, messages: [{ role: "user", content: "a long answer" }] }),
    }).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 100));

    const started = await api<{ status: string; operationId: string }>("/api/modes/deep/activate", { method: "POST" });
    expect(started.status).toBe(202);
    const operationId = started.body.data?.operationId ?? "";

    // Meanwhile: a second operation is refused, and the 7B's own model name has no home in deep mode.
    const conflict = await api("/api/backends/qwen-14b/restart", { method: "POST" });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error?.message).toContain(operationId);
    const offline = await chat("qwen2.5-7b-instruct");
    expect(offline.status).toBe(503);
    expect(offline.headers.get("retry-after")).toBeTruthy();
    // A request for `fast` waits for the switch and is served by the 32B.
    const waiting = chat("fast");

    const text = await streaming;
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
    expect(text).not.toContain('"error"');

    await waitFor(async () => sse.events.some((e) => e.type === "operation_done" && e.data.operationId === operationId), 30_000);
    const waited = await waiting;
    expect(waited.status).toBe(200);
    expect(waited.headers.get("x-switchyard-backend")).toBe("qwen-32b");

    const steps = sse.events.filter((e) => e.type === "operation_step" && e.data.operationId === operationId && e.data.status === "succeeded").map((e) => e.data.step);
    expect(steps).toEqual(["stop_admitting", "drain", "stop_containers", "wait_gpu_memory", "start_containers", "wait_ready", "switch_routing"]);
    sse.stop();

    const record = await api<{ status: string; steps: { name: string; durationMs: number }[] }>(`/api/modes/switches/${operationId}`);
    expect(record.body.data?.status).toBe("succeeded");
    expect(record.body.data?.steps.every((s) => s.durationMs >= 0)).toBe(true);
    console.log(`[timings] standard -> deep: ${record.body.data?.steps.map((s) => `${s.name} ${Math.round(s.durationMs)} ms`).join(", ")}`);

    const served = await chat("fast");
    expect(served.headers.get("x-switchyard-backend")).toBe("qwen-32b");
    const lab = await status();
    expect(lab.mode).toBe("deep");
    expect(lab.backends.find((b) => b.id === "qwen-7b")?.state).toBe("stopped");
    expect(lab.backends.find((b) => b.id === "qwen-7b")?.containerInfo?.state).toBe("exited");
  }, 60_000);

  test("activating the active mode is a 200 with nothing done; an unknown mode is a 404", async () => {
    const same = await api<{ status: string }>("/api/modes/deep/activate", { method: "POST" });
    expect(same.status).toBe(200);
    expect(same.body.data?.status).toBe("already_active");
    expect((await api("/api/modes/turbo/activate", { method: "POST" })).status).toBe(404);
  });

  test("deep -> standard switches back and the history lists both switches with their steps", async () => {
    const started = await api<{ operationId: string }>("/api/modes/standard/activate", { method: "POST" });
    expect(started.status).toBe(202);
    await waitFor(async () => (await status()).operation === null && (await status()).mode === "standard", 30_000);
    const record = await api<{ status: string; steps: { name: string; durationMs: number }[] }>(`/api/modes/switches/${started.body.data?.operationId}`);
    expect(record.body.data?.status).toBe("succeeded");
    console.log(`[timings] deep -> standard: ${record.body.data?.steps.map((s) => `${s.name} ${Math.round(s.durationMs)} ms`).join(", ")}`);
    const history = await api<{ rows: { toMode: string; steps: unknown[] }[] }>("/api/modes/switches?kind=mode_switch");
    expect(history.body.data?.rows.map((r) => r.toMode).slice(0, 2)).toEqual(["standard", "deep"]);
    expect((await chat("fast")).headers.get("x-switchyard-backend")).toBe("qwen-7b");
  }, 60_000);
});

describe("backends", () => {
  test("a restart goes through drain, stop, start and readiness, and the backend comes back ready", async () => {
    const started = await api<{ operationId: string }>("/api/backends/qwen-14b/restart", { method: "POST" });
    expect(started.status).toBe(202);
    await waitFor(async () => (await status()).operation === null, 30_000);
    const record = await api<{ status: string; kind: string; steps: { name: string }[] }>(`/api/modes/switches/${started.body.data?.operationId}`);
    expect(record.body.data).toMatchObject({ status: "succeeded", kind: "restart" });
    await waitFor(async () => (await status()).backends.find((b) => b.id === "qwen-14b")?.state === "ready");
    expect((await chat("reasoning")).status).toBe(200);
    // The restart's lab event names the backend it restarted.
    await waitFor(async () => ((await api<{ rows: unknown[] }>("/api/lab-events?kind=restart&backendId=qwen-14b")).body.data?.rows.length ?? 0) > 0);
    const restartEvents = await api<{ rows: { message: string }[] }>("/api/lab-events?kind=restart&backendId=qwen-14b");
    expect(restartEvents.body.data?.rows[0]?.message).toBe("restart of qwen-14b (from the api) succeeded");
    // The switches above stopped and started qwen-7b: starts of a mode switch are not restarts, this one is.
    const backends = (await status()).backends;
    expect(backends.find((b) => b.id === "qwen-7b")).toMatchObject({ restarts: 0, containerInfo: { restartCount: 0 } });
    expect(backends.find((b) => b.id === "qwen-14b")).toMatchObject({ restarts: 1, containerInfo: { restartCount: 0 } });
  }, 60_000);

  test("a killed backend is restarted by the watchdog, with the reason recorded", async () => {
    const { runtime } = app.switchyard;
    expect(runtime?.kind).toBe("simulated");
    (runtime as unknown as { kill(id: string): boolean }).kill("qwen-7b");
    await waitFor(async () => {
      const events = await api<{ rows: { kind: string; backendId: string; message: string }[] }>("/api/lab-events?kind=watchdog_restart");
      return (events.body.data?.rows ?? []).some((e) => e.backendId === "qwen-7b");
    }, 20_000);
    const events = await api<{ rows: { kind: string; message: string }[] }>("/api/lab-events?backendId=qwen-7b");
    expect(events.body.data?.rows.find((e) => e.kind === "watchdog_restart")?.message).toMatch(/exited with code/);
    // The restart's own record says why, too.
    const restarts = await api<{ rows: { requestedBy: string; reason: string | null }[] }>("/api/modes/switches?kind=restart&backendId=qwen-7b");
    expect(restarts.body.data?.rows[0]).toMatchObject({ requestedBy: "watchdog", reason: expect.stringMatching(/^container exited with code \d+/) });
    await waitFor(async () => (await status()).backends.find((b) => b.id === "qwen-7b")?.state === "ready", 30_000);
    expect((await chat("fast")).headers.get("x-switchyard-backend")).toBe("qwen-7b");
  }, 60_000);

  test("logs, unknown backends and external ones", async () => {
    const logs = await api<{ lines: string[] }>("/api/backends/qwen-7b/logs?tail=50");
    expect(logs.body.data?.lines.some((l) => l.includes("started simulator"))).toBe(true);
    expect((await api("/api/backends/nope/restart", { method: "POST" })).status).toBe(404);
    expect((await api("/api/backends/qwen-32b/restart", { method: "POST" })).status).toBe(400);
  });
});

describe("routes and history", () => {
  test("the routing table is resolved for every mode, and a bad edit is refused with the validator's reason", async () => {
    const view = await api<{ table: { model: string; byMode: Record<string, string | null> }[] }>("/api/routes");
    expect(view.body.data?.table.find((r) => r.model === "fast")?.byMode).toEqual({ standard: "qwen-7b", deep: "qwen-32b" });
    expect(view.body.data?.table.find((r) => r.model === "qwen2.5-7b-instruct")?.byMode).toEqual({ standard: "qwen-7b", deep: null });
    const bad = await api("/api/routes", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ routes: { fast: ["qwen-99b"], reasoning: ["qwen-14b"] } }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain('unknown backend "qwen-99b"');
  });

  test("a good route edit is written to the file, keeps its comments and changes where requests go", async () => {
    const fs = await import("node:fs");
    fs.writeFileSync(app.configFile, `# operator's note\n${fs.readFileSync(app.configFile, "utf8")}`);
    app.switchyard.configStore.reload();
    const routes = { fast: ["qwen-14b"], reasoning: ["qwen-14b", "qwen-32b"], auto: { auto: { fast: "fast", deep: "reasoning" } } };
    const saved = await api("/api/routes", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ routes }) });
    expect(saved.status).toBe(200);
    expect(fs.readFileSync(app.configFile, "utf8")).toContain("# operator's note");
    expect((await chat("fast")).headers.get("x-switchyard-backend")).toBe("qwen-14b");
  });

  test("GPU history for the last 15 minutes has samples from both GPUs", async () => {
    const history = await api<{ gpus: { gpuIndex: number; points: { t: number; powerDrawW: number | null }[] }[] }>("/api/gpus/history?range=15m");
    expect(history.body.data?.gpus.map((g) => g.gpuIndex)).toEqual([0, 1]);
    expect(history.body.data?.gpus[0]?.points.length).toBeGreaterThan(5);
    expect((await api("/api/gpus/history?range=3y")).status).toBe(400);
  });

  test("a malformed page cursor is a 400 on every paged list", async () => {
    for (const path of ["/api/requests", "/api/modes/switches", "/api/lab-events"]) {
      const response = await api(`${path}?cursor=not-a-cursor`);
      expect(response.status, path).toBe(400);
      expect(response.body.error?.message, path).toContain("cursor");
    }
  });

  test("ids with percent signs are looked up as given: a 404 naming them, never a 500", async () => {
    // Next hands each path segment over decoded once: %25 arrives as "%", which must not be decoded again.
    for (const path of ["/api/requests/%25", "/api/requests/100%25done", "/api/modes/switches/%25E0", "/api/keys/%25/revoke"]) {
      const response = await api(path, path.endsWith("/revoke") ? { method: "POST" } : undefined);
      expect(response.status, path).toBe(404);
      expect(response.body.error?.code, path).toBe("not_found");
    }
    for (const path of ["/api/backends/%25/logs", "/api/backends/%25/metrics/history"]) {
      const response = await api(path);
      expect(response.status, path).toBe(404);
      expect(response.body.error?.message, path).toContain('unknown backend "%"');
    }
  });

  test("the benchmark's POST /noop is not served outside the benchmark (404, body unread)", async () => {
    const response = await fetch(`${app.url}/noop`, { method: "POST", body: "x".repeat(1024 * 1024) });
    expect(response.status).toBe(404);
  });
});
