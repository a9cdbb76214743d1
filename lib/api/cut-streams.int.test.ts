import { afterAll, beforeAll, expect, test } from "vitest";
import type { UsageReportJson } from "@/components/hooks/api-types";
import { startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { waitUntil } from "@/lib/testing/wait";
import type { HealthVerdict } from "./verdict";

/**
 * A stream cut mid-way (the simulator crashes after 5 tokens): the client has its 200 and then an error event, the
 * row keeps status 200 with outcome upstream_error. It must count as an error to clients: in /api/usage's
 * failedStreams, and in /api/verdict's server_errors, not "no errors to clients".
 */
let app: AppHarness;

beforeAll(async () => {
  app = await startAppHarness();
  await waitUntil("a green verdict", async () => ((await verdict()).level === "green" ? true : undefined), 30_000);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${app.url}${path}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: T }).data;
}

const verdict = () => getJson<HealthVerdict>("/api/verdict");

test("a stream cut after its 200 shows as a failed stream in /api/usage and as a server error in /api/verdict", async () => {
  const faults = await fetch(`http://127.0.0.1:${app.ports["qwen-7b"]}/_sim/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ crashAfterTokens: 5, tokenDelayMs: 20 }),
  });
  expect(faults.status).toBe(200);
  const response = await fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "fast", stream: true, max_tokens: 100, messages: [{ role: "user", content: "hi" }] }),
  });
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('"error"');

  const usage = await waitUntil("the cut stream in the usage totals", async () => {
    const report = await getJson<UsageReportJson>("/api/usage?range=1h&groupBy=backend");
    const total = report.totals.find((t) => t.group === "qwen-7b");
    return total && total.failedStreams > 0 ? total : undefined;
  });
  expect(usage).toMatchObject({ failedStreams: 1, status5xx: 0 });

  const problem = await waitUntil("the cut stream in the verdict", async () =>
    (await verdict()).problems.find((p) => p.kind === "server_errors" && p.backendId === "qwen-7b"),
  );
  expect(problem).toMatchObject({
    level: "red",
    current: true,
    message: expect.stringMatching(/^1 request of 1 failed mid-stream after their 200 through qwen-7b since /),
    requests: { backend: "qwen-7b", status: ["2xx"], outcome: ["upstream_error", "timeout"] },
  });
  expect((await verdict()).summary).not.toContain("no errors to clients");
}, 60_000);
