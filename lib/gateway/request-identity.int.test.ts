import { afterAll, beforeAll, expect, test } from "vitest";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";

/**
 * One row per request, whatever the client sends as x-request-id: clients reuse ids (retries), share them (a bot's
 * constant) and send them concurrently. Each request gets Switchyard's own id (the row's key) and keeps the client's.
 */
let lab: GatewayHarness;

beforeAll(async () => {
  lab = await startGatewayHarness({
    backends: { "qwen-7b": { servedModel: "qwen2.5-7b-instruct", sim: { ttftMs: 5, tokensPerSecond: 400 } } },
    modes: { standard: ["qwen-7b"] },
    routes: { fast: ["qwen-7b"] },
  });
});

afterAll(async () => {
  await lab?.close();
});

function chat(model: string, requestId?: string): Promise<Response> {
  return fetch(`${lab.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(requestId ? { "x-request-id": requestId } : {}) },
    body: JSON.stringify({ model, max_tokens: 3, messages: [{ role: "user", content: "hi" }] }),
  });
}

test("a retry that reuses its id and concurrent requests sharing ids each get their own row", async () => {
  // A 404 first, then its retry under the same id that succeeds: two rows, not one overwritten.
  const failed = await chat("no-such-model", "retry-1");
  const retried = await chat("fast", "retry-1");
  expect([failed.status, retried.status]).toEqual([404, 200]);
  // Five at once, sharing two ids.
  const shared = await Promise.all(["bot-a", "bot-b", "bot-a", "bot-b", "bot-a"].map((id) => chat("fast", id)));
  const responses = [failed, retried, ...shared];
  for (const response of responses) await response.text();
  await lab.flushLog();

  // The client gets its own id back, and the row's id beside it.
  expect(responses.map((r) => r.headers.get("x-request-id"))).toEqual(["retry-1", "retry-1", "bot-a", "bot-b", "bot-a", "bot-b", "bot-a"]);
  const logIds = responses.map((r) => Number(r.headers.get("x-switchyard-log-id")));
  expect(new Set(logIds).size).toBe(7);
  const rows = await lab.prisma.requestLog.findMany({ where: { id: { in: logIds } }, orderBy: { id: "asc" } });
  expect(rows).toHaveLength(7);
  expect(rows.filter((row) => row.clientRequestId === "retry-1").map((row) => row.status)).toEqual([404, 200]);
  expect(rows.filter((row) => row.clientRequestId === "bot-a")).toHaveLength(3);
  expect(rows.filter((row) => row.clientRequestId === "bot-b")).toHaveLength(2);
});

test("without a client id the request is known by Switchyard's id, which vLLM receives too", async () => {
  const response = await chat("fast");
  await response.text();
  const logId = response.headers.get("x-switchyard-log-id");
  expect(response.headers.get("x-request-id")).toBe(logId);
  await lab.flushLog();
  const row = await lab.prisma.requestLog.findUnique({ where: { id: Number(logId) } });
  expect(row).toMatchObject({ clientRequestId: null, outcome: "served" });
  const seen = (await lab.sims["qwen-7b"]!.state()).recentRequests.map((request) => request.xRequestId);
  expect(seen).toContain(logId);
});
