import { afterEach, describe, expect, test } from "vitest";
import type { SimulatedRuntime } from "@/lib/runtime/simulated";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { waitFor } from "@/lib/testing/wait";

/**
 * No 503 while the lab is merely getting ready: the whole app on the simulated runtime, requests over HTTP. The 7B
 * takes 3 s to load here, so a request sent at start-up or during a watchdog restart certainly arrives while it loads.
 */
let app: AppHarness | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

const slowSevenB = (extra = "") => (ports: AppHarness["ports"]) =>
  simulatedLabYaml(ports).replace("sim: { loadMs: 300,", "sim: { loadMs: 3000,").replace("qwen-7b:\n", `qwen-7b:\n${extra}`);

function chat(model: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${app!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], max_tokens: 4, ...extra }),
  });
}

/** The raw SSE text and where the first comment and the first data event sit in it. */
async function readStream(response: Response): Promise<{ text: string; firstChunk: string }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let firstChunk: string | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const chunk = decoder.decode(value, { stream: true });
    firstChunk ??= chunk;
    text += chunk;
  }
  return { text, firstChunk: firstChunk ?? "" };
}

type Row = { routeReason: string | null; queueMs: number | null; outcome: string; status: number | null; attempts: number };

async function rowOf(response: Response): Promise<Row> {
  const id = Number(response.headers.get("x-switchyard-log-id"));
  await app!.switchyard.requestLog.flush();
  let row: Row | null = null;
  await waitFor(async () => {
    row = await app!.switchyard.db.requestLog.findUnique({ where: { id }, select: { routeReason: true, queueMs: true, outcome: true, status: true, attempts: true } });
    return row !== null && row.outcome !== "open";
  }, `the log row of request ${id}`);
  return row!;
}

describe("start-up", () => {
  test("a request sent while the 7B still loads waits and is served; a streaming one gets a keep-alive before its first token", async () => {
    app = await startAppHarness({ yaml: slowSevenB() });
    expect(app.switchyard.health.isHealthy("qwen-7b") && app.switchyard.health.status("qwen-7b").state === "ready").toBe(false);
    const started = Date.now();
    const [plain, streamed] = await Promise.all([chat("fast"), chat("fast", { stream: true })]);
    expect(plain.status).toBe(200);
    expect(plain.headers.get("x-switchyard-backend")).toBe("qwen-7b");
    expect(streamed.status).toBe(200);
    const { text, firstChunk } = await readStream(streamed);
    expect(firstChunk.startsWith(":")).toBe(true);
    expect(text).toContain("data: [DONE]");
    expect(text.indexOf(": ")).toBeLessThan(text.indexOf("data: {"));
    expect(Date.now() - started).toBeGreaterThan(1_000);

    const row = await rowOf(plain);
    expect(row).toMatchObject({ outcome: "served", status: 200 });
    expect(row.routeReason).toMatch(/waited [\d.]+ s for qwen-7b/);
    expect(row.queueMs).toBeGreaterThan(500);
  });

  test("before the first health probe answered, every candidate refuses the connection: nothing was sent, so it waits too", async () => {
    app = await startAppHarness({ yaml: slowSevenB() });
    // As if no probe had answered yet: the backend counts as healthy, is tried, and refuses. (The periodic probes are
    // stopped first, after the round in flight; the waiting request has the backends probed itself.)
    await app.switchyard.health.refresh();
    app.switchyard.health.stop();
    app.switchyard.health.reset("qwen-7b");
    const response = await chat("fast");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-backend")).toBe("qwen-7b");
    const row = await rowOf(response);
    expect(row.routeReason).toMatch(/waited [\d.]+ s for qwen-7b to get ready \(qwen-7b is loading, started [\d.]+ s ago\)$/);
    // Tried once (refused), then once more after the wait.
    expect(row.attempts).toBe(2);
  });

  test("/readyz answers 200 at once; /readyz?strict=1 only once the mode's backends are ready", async () => {
    app = await startAppHarness({ yaml: slowSevenB() });
    const plain = await fetch(`${app.url}/readyz`);
    const strict = await fetch(`${app.url}/readyz?strict=1`);
    expect(plain.status).toBe(200);
    expect(strict.status).toBe(503);
    expect(((await strict.json()) as { status: string }).status).toBe("loading");
    await waitFor(async () => (await fetch(`${app!.url}/readyz?strict=1`)).status === 200, "strict readiness", 30_000);
    const body = (await (await fetch(`${app.url}/readyz?strict=1`)).json()) as { status: string; backends: Record<string, string> };
    expect(body.status).toBe("ready");
    expect(Object.values(body.backends).every((state) => state === "ready")).toBe(true);
  });
});

describe("a backend that crashes", () => {
  test("killed, it is restarted by the watchdog, and a request sent meanwhile waits and is served", async () => {
    app = await startAppHarness({ yaml: slowSevenB() });
    await waitFor(() => app!.switchyard.health.status("qwen-7b").state === "ready", "the 7B ready", 30_000);
    (app.switchyard.runtime as SimulatedRuntime).kill("qwen-7b");
    await waitFor(() => app!.switchyard.health.status("qwen-7b").state === "down", "the 7B marked down");
    const response = await chat("fast");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-backend")).toBe("qwen-7b");
    expect((await rowOf(response)).routeReason).toMatch(/waited [\d.]+ s for/);
  });

  test("with watchdog: false nothing brings it back: a fast 503 that says so", async () => {
    app = await startAppHarness({ yaml: slowSevenB("    watchdog: false\n") });
    await waitFor(() => app!.switchyard.health.status("qwen-7b").state === "ready", "the 7B ready", 30_000);
    (app.switchyard.runtime as SimulatedRuntime).kill("qwen-7b");
    await waitFor(() => app!.switchyard.health.status("qwen-7b").state === "down", "the 7B marked down");
    const started = Date.now();
    const response = await chat("fast");
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(response.headers.get("retry-after")).not.toBeNull();
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("backend_unavailable");
    expect(body.error.message).toMatch(/watchdog is off/);
  });
});
