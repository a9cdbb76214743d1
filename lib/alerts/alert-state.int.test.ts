import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { JsonAlertPayload } from "@/lib/alerts/formats";
import { SimulatedRuntime } from "@/lib/runtime/simulated";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { waitFor, waitUntil } from "@/lib/testing/wait";
import { startWebhookReceiver, type WebhookReceiver } from "@/lib/testing/webhook-receiver";

/**
 * Alerts over a restart of Switchyard: an app on a SQLite file sends a crash and an error-rate alert, stops; a new
 * app on the same file (new simulator processes, the backend ready again) sends each one's resolved notice once, and
 * the cool-down that was running goes on holding back a repeat. Real simulators, real HTTP to a real receiver.
 */

let receiver: WebhookReceiver;
let dir: string;
const apps: AppHarness[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-alert-state-"));
});

afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  await receiver?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const alertsYaml = (receiverUrl: string) => `
alerts:
  consoleUrl: http://lab.example:3000
  cooldownSeconds: 300
  errorRate: { thresholdPct: 20, windowMinutes: 5, minRequests: 5 }
  delivery: { timeoutSeconds: 2, attempts: 2, backoffSeconds: 0.2, queueSize: 10 }
  webhooks:
    - { name: ops, url: "${receiverUrl}/ok/json", format: json }
`;

async function startApp(dbFile: string): Promise<AppHarness> {
  const app = await startAppHarness({ dbFile, yaml: (ports) => simulatedLabYaml(ports) + alertsYaml(receiver.url) });
  apps.push(app);
  return app;
}

async function bothReady(app: AppHarness): Promise<void> {
  await waitFor(async () => {
    const ready = (await (await fetch(`${app.url}/readyz`)).json()) as { backends: Record<string, string> };
    return ready.backends["qwen-7b"] === "ready" && ready.backends["qwen-14b"] === "ready";
  }, "both chat backends ready", 30_000);
}

async function chat(app: AppHarness, model: "fast" | "reasoning"): Promise<number> {
  const response = await fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: 4, messages: [{ role: "user", content: "hi" }] }),
  });
  await response.text();
  return response.status;
}

const alerts = () => receiver.received.filter((hook) => hook.path === "/ok/json").map((hook) => hook.json as JsonAlertPayload);
const of = (kind: string, status: "firing" | "resolved") => alerts().filter((alert) => alert.kind === kind && alert.status === status);

test("after a restart on the same database: one resolved notice per open alert, and no second crash within the cool-down", async () => {
  const dbFile = path.join(dir, "switchyard.db");

  // The first Switchyard: qwen-14b crashes with no watchdog to bring it back, and its requests fail.
  const first = await startApp(dbFile);
  await bothReady(first);
  first.switchyard.watchdog!.setEnabled("qwen-14b", false);
  expect((first.switchyard.runtime as SimulatedRuntime).kill("qwen-14b", "SIGKILL")).toBe(true);
  await waitUntil("the crash alert", async () => of("backend_crashed", "firing")[0], 15_000);
  await waitFor(() => !first.switchyard.health.isHealthy("qwen-14b"), "qwen-14b marked down", 10_000);
  for (let i = 0; i < 12; i++) expect(await chat(first, "reasoning")).toBe(503);
  await waitUntil("the error-rate alert", async () => of("error_rate", "firing")[0], 10_000);
  await first.close();
  apps.splice(apps.indexOf(first), 1);
  expect(of("backend_crashed", "resolved")).toEqual([]);
  expect(of("error_rate", "resolved")).toEqual([]);

  // The second, on the same file: qwen-14b starts again and is ready, so its crash is over.
  const second = await startApp(dbFile);
  await bothReady(second);
  const resolved = await waitUntil("the crash's resolved notice after the restart", async () => of("backend_crashed", "resolved")[0], 20_000);
  expect(resolved).toMatchObject({ severity: "error", title: "qwen-14b is ready again", backend: "qwen-14b", link: "http://lab.example:3000/backends" });
  expect(resolved.message).toContain("seen ready after Switchyard restarted");

  // The error-rate window came back from the request log: the 12 failures still count, and served requests bring the
  // share under the threshold (at least 48 of them), which ends the alert the first app sent.
  for (let i = 0; i < 100 && of("error_rate", "resolved").length === 0; i++) expect(await chat(second, "fast")).toBe(200);
  const rateOver = await waitUntil("the error rate's resolved notice after the restart", async () => of("error_rate", "resolved")[0], 10_000);
  expect(rateOver.message).toMatch(/^12 of (4[89]|[5-9]\d|1\d\d) requests in the last 5 min failed/);

  // Well within the 300 s cool-down of the first crash: a new crash of qwen-14b is held back, not sent again.
  second.switchyard.watchdog!.setEnabled("qwen-14b", false);
  expect((second.switchyard.runtime as SimulatedRuntime).kill("qwen-14b", "SIGKILL")).toBe(true);
  await waitFor(() => !second.switchyard.health.isHealthy("qwen-14b"), "qwen-14b marked down again", 10_000);
  // A few error-rate ticks (every 5 s) for anything that would still go out.
  await new Promise((resolve) => setTimeout(resolve, 6_000));

  expect(of("backend_crashed", "firing")).toHaveLength(1);
  expect(of("backend_crashed", "resolved")).toHaveLength(1);
  expect(of("error_rate", "firing")).toHaveLength(1);
  expect(of("error_rate", "resolved")).toHaveLength(1);
}, 120_000);
