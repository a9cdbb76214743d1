import { afterAll, beforeAll, expect, test } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";

/** What a key's settings do to its requests: default model, allowed models, lane. */
let lab: GatewayHarness;
let key: string;
let keyId: string;

beforeAll(async () => {
  lab = await startGatewayHarness({
    backends: { "qwen-7b": { servedModel: "qwen2.5-7b-instruct", sim: { ttftMs: 5, tokensPerSecond: 500 } } },
    modes: { all: ["qwen-7b"] },
    routes: { fast: ["qwen-7b"], reasoning: ["qwen-7b"] },
    auth: "keys",
  });
  const issued = await issueApiKey({ name: "discord-bot", allowedModels: ["fast"], defaultModel: "fast", lane: "batch" }, lab.prisma);
  key = issued.key;
  keyId = issued.apiKey.id;
});

afterAll(async () => {
  await lab?.close();
});

test("a request without a model gets the key's default model; one for a model the key may not use gets 403", async () => {
  const response = await fetch(`${lab.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ max_tokens: 4, messages: [{ role: "user", content: "hi" }] }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("x-switchyard-route")).toBe("fast");
  await lab.flushLog();
  const row = await lab.prisma.requestLog.findUniqueOrThrow({ where: { id: Number(response.headers.get("x-switchyard-log-id")) } });
  expect(row).toMatchObject({ requestedModel: "fast", apiKeyId: keyId, apiKeyName: "discord-bot" });

  const refused = await fetch(`${lab.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "reasoning", messages: [{ role: "user", content: "hi" }] }),
  });
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { error: { type: string } }).error.type).toBe("permission_error");
  expect(lab.switchyard.admission.snapshotOf("qwen-7b").totals.admitted).toBe(1);
});

test("the logged client address is the socket's, whatever X-Forwarded-For or the peer header a client sends", async () => {
  const response = await fetch(`${lab.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "x-forwarded-for": "6.6.6.6", "x-switchyard-peer": "7.7.7.7" },
    body: JSON.stringify({ max_tokens: 2, messages: [{ role: "user", content: "hi" }] }),
  });
  expect(response.status).toBe(200);
  await lab.flushLog();
  const row = await lab.prisma.requestLog.findUniqueOrThrow({ where: { id: Number(response.headers.get("x-switchyard-log-id")) } });
  expect(row.clientAddress).toBe("127.0.0.1");
});
