import fs from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startGatewayHarness, type GatewayHarness } from "@/lib/testing/gateway-harness";

/** Prompt capture, turned on globally: the body and the generated text are kept, cut at the limit; headers never. */
let lab: GatewayHarness;

beforeAll(async () => {
  lab = await startGatewayHarness({
    backends: { fast: { servedModel: "fast-model", sim: { ttftMs: 5, tokensPerSecond: 500 } } },
    modes: { all: ["fast"] },
    requestLog: { captureBodies: true, captureMaxBytes: 2048 },
  });
});

afterAll(async () => {
  await lab?.close();
});

/** The captured bodies of the request a response names (x-switchyard-log-id), as stored beside its log row. */
async function bodies(response: Response) {
  await lab.flushLog();
  return lab.prisma.requestBody.findUniqueOrThrow({ where: { requestLogId: Number(response.headers.get("x-switchyard-log-id")) } });
}

test("a streamed chat keeps its request body and exactly the text the client received; the Authorization header is nowhere", async () => {
  const secret = "sk-this-must-never-be-stored-0123456789";
  const response = await fetch(`${lab.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: "fast-model", stream: true, max_tokens: 20, messages: [{ role: "user", content: "What is a switchyard?" }] }),
  });
  const text = await response.text();
  const received = text
    .split("\n\n")
    .filter((event) => event.startsWith("data: {"))
    .map((event) => (JSON.parse(event.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? "")
    .join("");
  const logged = await bodies(response);
  expect(logged.requestBody).toContain("What is a switchyard?");
  expect(logged.responseBody).toBe(received);
  await lab.switchyard.requestLog.flush();
  for (const file of [lab.dbFile, `${lab.dbFile}-wal`]) {
    if (fs.existsSync(file)) expect(fs.readFileSync(file).includes(secret)).toBe(false);
  }
});

test("bodies beyond the limit are cut at it", async () => {
  const response = await fetch(`${lab.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "fast-model", max_tokens: 4, messages: [{ role: "user", content: "x".repeat(10_000) }] }),
  });
  const logged = await bodies(response);
  expect(Buffer.byteLength(logged.requestBody ?? "")).toBe(2048);
  expect(logged.responseBody).toContain('"chat.completion"');
});
