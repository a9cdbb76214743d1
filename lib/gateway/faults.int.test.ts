import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";

/**
 * The fault suite: each test names its pass criterion. Real gateway, real simulator processes, real SQLite.
 * Timeouts are shortened (first token 1 s, idle 1 s) so the suite runs in seconds; the rules are the same.
 */
let lab: GatewayHarness;
const FIRST_TOKEN_TIMEOUT_S = 1;

beforeAll(async () => {
  lab = await startGatewayHarness({
    backends: {
      fast: { servedModel: "fast-model", sim: { ttftMs: 5, tokensPerSecond: 200 } },
      deep: { servedModel: "deep-model", sim: { ttftMs: 5, tokensPerSecond: 50 } },
      crashy: { servedModel: "crashy-model", sim: { ttftMs: 5, tokensPerSecond: 200 } },
      down: { servedModel: "down-model", dead: true },
      small: { servedModel: "small-model", maxConcurrency: 2, maxQueue: 3, sim: { ttftMs: 5, tokensPerSecond: 50 } },
    },
    modes: { all: ["fast", "deep", "crashy", "down", "small"] },
    gateway: { firstTokenTimeoutSeconds: FIRST_TOKEN_TIMEOUT_S, idleTimeoutSeconds: 1, responseTimeoutSeconds: FIRST_TOKEN_TIMEOUT_S },
  });
});

afterAll(async () => {
  await lab?.close();
});

beforeEach(async () => {
  for (const id of ["fast", "deep"]) await lab.sims[id]!.setFaults({ hangBeforeFirstToken: false, tokenDelayMs: null, error500: 0, ttftDelayMs: 0 });
  await lab.switchyard.health.checkAll();
});

const messages = [{ role: "user", content: "hello" }];

function post(body: Record<string, unknown>, init: RequestInit = {}) {
  return fetch(`${lab.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages, ...body }), ...init });
}

/** The final log row of a request: by its log id (x-switchyard-log-id), or by the client's own x-request-id (the newest such row). */
async function row(key: number | string) {
  for (let i = 0; i < 100; i++) {
    await lab.flushLog();
    const found = await lab.prisma.requestLog.findFirst({ where: typeof key === "number" ? { id: key } : { clientRequestId: key }, orderBy: { id: "desc" } });
    if (found && found.outcome !== "open") return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no final log row for ${key}`);
}

/** The id of the log row a response names. */
const logId = (response: Response) => Number(response.headers.get("x-switchyard-log-id"));

async function simAbortSeen(backend: string, requestId: string, abortedAt: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const abort = (await lab.sims[backend]!.state()).aborts.find((a) => a.xRequestId === requestId);
    if (abort) return abort.at - abortedAt;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the simulator never saw the abort");
}

describe("fault suite", () => {
  test("backend down (connection refused) -> 503 + Retry-After within 1 s, exactly one log row", async () => {
    const before = await lab.prisma.requestLog.count();
    const started = Date.now();
    const response = await post({ model: "down-model" });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBeTruthy();
    await row(logId(response));
    expect(await lab.prisma.requestLog.count()).toBe(before + 1);
  });

  test("upstream 500 before the first byte -> passed through, not retried, backend not ejected", async () => {
    await lab.sims.fast!.setFaults({ error500: 5 });
    for (let i = 0; i < 5; i++) {
      const response = await post({ model: "fast-model" });
      expect(response.status).toBe(500);
      expect((await row(logId(response))).attempts).toBe(1);
    }
    expect(lab.switchyard.health.isHealthy("fast")).toBe(true);
    expect((await post({ model: "fast-model" })).status).toBe(200);
  });

  test("upstream 400 (prompt too long) -> passed through as vLLM said it, backend not ejected", async () => {
    const response = await post({ model: "fast-model", max_tokens: 10_000_000 });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("maximum context length");
    expect(lab.switchyard.health.isHealthy("fast")).toBe(true);
  });

  test("simulator crash mid-stream -> error event within 1 s, upstream_error row with partial tokens, a concurrent stream elsewhere unaffected", async () => {
    await lab.sims.crashy!.setFaults({ crashAfterTokens: 5, tokenDelayMs: 20 });
    const other = post({ model: "deep-model", stream: true, max_tokens: 40 }).then((r) => r.text());
    const response = await post({ model: "crashy-model", stream: true, max_tokens: 100 });
    const reader = response.body!.getReader();
    let text = "";
    let lastTokenAt = Date.now();
    let errorAt = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const chunk = new TextDecoder().decode(value);
      if (chunk.includes('"error"')) errorAt = Date.now();
      else lastTokenAt = Date.now();
      text += chunk;
    }
    expect(errorAt).toBeGreaterThan(0);
    expect(errorAt - lastTokenAt).toBeLessThan(1000);
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
    const crashed = await row(logId(response));
    expect(crashed.outcome).toBe("upstream_error");
    expect(crashed.completionTokens).toBeGreaterThanOrEqual(4);
    const otherText = await other;
    expect(otherText).not.toContain('"error"');
    expect(otherText.trim().endsWith("data: [DONE]")).toBe(true);
  });

  test("no first token within the timeout -> 504 at the timeout +-10 %, before any byte", async () => {
    await lab.sims.fast!.setFaults({ hangBeforeFirstToken: true });
    for (const stream of [true, false]) {
      const started = Date.now();
      const response = await post({ model: "fast-model", stream });
      const elapsed = Date.now() - started;
      expect(response.status).toBe(504);
      expect(elapsed).toBeGreaterThanOrEqual(FIRST_TOKEN_TIMEOUT_S * 900);
      expect(elapsed).toBeLessThanOrEqual(FIRST_TOKEN_TIMEOUT_S * 1100 + 50);
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe("timeout_error");
      expect((await row(logId(response))).outcome).toBe("timeout");
      await lab.switchyard.health.checkAll();
    }
  });

  test("a slow stream (one token every 200 ms, shortened to 30 tokens, idle timeout 1 s) is never cut", async () => {
    await lab.sims.deep!.setFaults({ tokenDelayMs: 200 });
    const response = await post({ model: "deep-model", stream: true, max_tokens: 30, ignore_eos: true });
    const text = await response.text();
    expect(text).not.toContain('"error"');
    const deltas = text
      .split("\n\n")
      .filter((event) => event.startsWith("data: {"))
      .map((event) => JSON.parse(event.slice(6)) as { choices: { delta?: { content?: string }; finish_reason?: string | null }[] })
      .filter((chunk) => chunk.choices[0]?.delta?.content);
    expect(deltas).toHaveLength(30);
    expect((await row(logId(response))).outcome).toBe("served");
  }, 20_000);

  test("client aborts before the first token, mid-stream and on a non-stream request -> the simulator sees each within 100 ms; rows say client_abort", async () => {
    const cases: { name: string; faults: Record<string, unknown>; stream: boolean; abortAfter: "headers" | "chunks" | "time" }[] = [
      { name: "before-first-token", faults: { ttftDelayMs: 500 }, stream: true, abortAfter: "time" },
      { name: "mid-stream", faults: { tokenDelayMs: 30 }, stream: true, abortAfter: "chunks" },
      { name: "non-stream", faults: { tokenDelayMs: 30 }, stream: false, abortAfter: "time" },
    ];
    for (const c of cases) {
      await lab.sims.fast!.setFaults({ hangBeforeFirstToken: false, tokenDelayMs: null, ttftDelayMs: 0, ...c.faults });
      const id = `abort-${c.name}-${Date.now()}`;
      const controller = new AbortController();
      const pending = post({ model: "fast-model", stream: c.stream, max_tokens: 200 }, { signal: controller.signal, headers: { "content-type": "application/json", "x-request-id": id } });
      if (c.abortAfter === "chunks") {
        const reader = (await pending).body!.getReader();
        await reader.read();
        await reader.read();
      } else {
        await new Promise((r) => setTimeout(r, 200));
      }
      const abortedAt = Date.now();
      controller.abort();
      await pending.catch(() => undefined);
      expect(await simAbortSeen("fast", id, abortedAt), c.name).toBeLessThan(100);
      expect((await row(id)).outcome, c.name).toBe("client_abort");
    }
  });

  test("concurrency C=2, queue Q=3, C+Q+5 at once -> exactly 5 get 429 with Retry-After before any body byte; every counter ends at zero", async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const response = await post({ model: "small-model", stream: true, max_tokens: 10, ignore_eos: true });
        return { status: response.status, retryAfter: response.headers.get("retry-after"), text: await response.text() };
      }),
    );
    const refused = responses.filter((r) => r.status === 429);
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect((JSON.parse(r.text) as { error: { type: string } }).error.type).toBe("rate_limit_error");
    }
    const served = responses.filter((r) => r.status === 200);
    expect(served).toHaveLength(5);
    for (const r of served) expect(r.text.trim().endsWith("data: [DONE]")).toBe(true);
    const snapshot = lab.switchyard.admission.snapshotOf("small");
    expect(snapshot.inFlight).toBe(0);
    expect(snapshot.queued).toEqual({ interactive: 0, batch: 0 });
    expect(snapshot.totals.rejectedFull).toBe(5);
    expect(lab.switchyard.inFlight.total()).toBe(0);
  });

  test("three timeouts in a row mark a backend unhealthy: the next request gets a fast 503 until a probe passes", async () => {
    await lab.sims.fast!.setFaults({ hangBeforeFirstToken: true });
    for (let i = 0; i < 3; i++) expect((await post({ model: "fast-model", stream: true })).status).toBe(504);
    const started = Date.now();
    const fast503 = await post({ model: "fast-model" });
    expect(fast503.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(200);
    expect(((await fast503.json()) as { error: { message: string } }).error.message).toContain("failed requests in a row");
    await lab.sims.fast!.setFaults({ hangBeforeFirstToken: false });
    await lab.switchyard.health.checkAll();
    expect((await post({ model: "fast-model" })).status).toBe(200);
  }, 20_000);
});
