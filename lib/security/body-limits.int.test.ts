import { afterAll, beforeAll, expect, test } from "vitest";
import { startAppHarness, type AppHarness } from "@/lib/testing/app-harness";

/** Every route that reads a body has a byte limit: 10 MB gets a 413 in the route's own error shape, never a 500. */
let app: AppHarness;

beforeAll(async () => {
  app = await startAppHarness();
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const TEN_MB = "x".repeat(10 * 1024 * 1024);

/** Each body-reading route, and the answer shape it speaks: the admin envelope or OpenAI's. */
const bodyRoutes: [method: string, path: string, shape: "api" | "openai"][] = [
  ["POST", "/api/auth/login", "api"],
  ["POST", "/api/keys", "api"],
  ["PUT", "/api/routes", "api"],
  ["PUT", "/api/backends/qwen-7b/limits", "api"],
  ["PUT", "/api/backends/qwen-7b/watchdog", "api"],
  ["POST", "/v1/chat/completions", "openai"],
  ["POST", "/v1/completions", "openai"],
  ["POST", "/v1/embeddings", "openai"],
  ["POST", "/v1/responses", "openai"],
  ["POST", "/tokenize", "openai"],
  ["POST", "/detokenize", "openai"],
];

test.each(bodyRoutes)("%s %s with 10 MB -> 413", async (method, path, shape) => {
  const response = await fetch(`${app.url}${path}`, { method, headers: { "content-type": "application/json", origin: app.url }, body: TEN_MB });
  expect(response.status).toBe(413);
  const body = (await response.json()) as { error: { code: string | number; type?: string } };
  if (shape === "api") expect(body.error.code).toBe("payload_too_large");
  else expect(body.error.code).toBe("body_too_large");
});

test("a body sent in chunks without a length is cut off at the limit too", async () => {
  const chunk = new TextEncoder().encode("x".repeat(256 * 1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= 40) return controller.close();
      sent++;
      controller.enqueue(chunk);
    },
  });
  const response = await fetch(`${app.url}/api/keys`, { method: "POST", headers: { origin: app.url }, body, duplex: "half" } as RequestInit);
  expect(response.status).toBe(413);
});
