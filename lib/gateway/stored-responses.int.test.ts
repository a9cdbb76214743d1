import { afterAll, beforeAll, expect, test } from "vitest";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";
import { startReplayBackend, type ReplayBackend } from "@/lib/testing/replay-backend";

/**
 * GET /v1/responses/{id} and POST /v1/responses/{id}/cancel: a stored response lives in the vLLM that made it, so
 * the gateway asks the mode's backends until one has it (vLLM answers 404 for ids it does not hold).
 */
let lab: GatewayHarness;
let first: ReplayBackend;
let second: ReplayBackend;
const stored = { id: "resp_abc123", object: "response", status: "completed", output: [] };

beforeAll(async () => {
  first = await startReplayBackend();
  second = await startReplayBackend();
  second.serve("/v1/responses/resp_abc123", { contentType: "application/json", body: Buffer.from(JSON.stringify(stored)) });
  second.serve("/v1/responses/resp_abc123/cancel", { contentType: "application/json", body: Buffer.from(JSON.stringify({ ...stored, status: "cancelled" })) });
  lab = await startGatewayHarness({
    backends: { a: { servedModel: "model-a", url: first.url }, b: { servedModel: "model-b", url: second.url } },
    modes: { standard: ["a", "b"] },
  });
});

afterAll(async () => {
  await lab?.close();
  await Promise.all([first?.close(), second?.close()]);
});

test("a stored response is fetched from the backend that holds it, and logged as served by it", async () => {
  const response = await fetch(`${lab.url}/v1/responses/resp_abc123`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual(stored);
  expect(response.headers.get("x-switchyard-backend")).toBe("b");
  await lab.flushLog();
  const row = await lab.prisma.requestLog.findUnique({ where: { id: Number(response.headers.get("x-switchyard-log-id")) } });
  expect(row).toMatchObject({ outcome: "served", backend: "b", endpoint: "/v1/responses/resp_abc123", status: 200 });
});

test("cancel goes to the same backend; the wrong method is a 405", async () => {
  const cancelled = await fetch(`${lab.url}/v1/responses/resp_abc123/cancel`, { method: "POST" });
  expect(cancelled.status).toBe(200);
  expect(((await cancelled.json()) as { status: string }).status).toBe("cancelled");
  expect(second.requests.some((request) => request.method === "POST" && request.path === "/v1/responses/resp_abc123/cancel")).toBe(true);
  expect((await fetch(`${lab.url}/v1/responses/resp_abc123/cancel`)).status).toBe(405);
});

test("an id no backend holds is a 404 that says where it looked and why it may be gone", async () => {
  const response = await fetch(`${lab.url}/v1/responses/resp_missing`);
  expect(response.status).toBe(404);
  const { error } = (await response.json()) as { error: { message: string; type: string } };
  expect(error.type).toBe("invalid_request_error");
  expect(error.message).toContain("No backend of mode standard (a, b) has a response `resp_missing`");
});
