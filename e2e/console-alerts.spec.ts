import { expect, test, type APIRequestContext } from "@playwright/test";
import type { JsonAlertPayload } from "@/lib/alerts/formats";
import { startWebhookReceiver, type WebhookReceiver } from "@/lib/testing/webhook-receiver";
import { simulatorPort } from "../playwright.config";

// Alerts as an operator meets them: the webhook of e2e/switchyard.e2e.yaml is a real HTTP receiver this spec runs on
// the port the config names; "Send a test" reaches it, and so does the crash of a backend killed with SIGKILL.

let receiver: WebhookReceiver;

test.beforeAll(async () => {
  receiver = await startWebhookReceiver({ port: simulatorPort(9) });
});

test.afterAll(async () => {
  await receiver?.close();
});

const alertsReceived = () => receiver.received.filter((hook) => hook.path === "/hook").map((hook) => hook.json as JsonAlertPayload);

/** The simulator's process id, from the line the simulated runtime logs when it starts one. */
async function simulatorPid(request: APIRequestContext, backend: string): Promise<number> {
  const response = await request.get(`/api/backends/${backend}/logs?tail=500`);
  expect(response.ok()).toBe(true);
  const { lines } = ((await response.json()) as { data: { lines: string[] } }).data;
  const pids = lines.flatMap((line) => [...line.matchAll(new RegExp(`started simulator pid (\\d+) for ${backend}\\b`, "g"))].map((match) => Number(match[1])));
  expect(pids.length, `a "started simulator" line for ${backend}`).toBeGreaterThan(0);
  return pids.at(-1)!;
}

test("Send a test reaches the webhook, a killed backend's crash and restart are alerted, and every delivery is listed live", async ({ page, request }, testInfo) => {
  await expect.poll(async () => (await (await request.get("/readyz")).json()).backends["qwen-14b"], { timeout: 20_000 }).toBe("ready");
  await page.goto("/alerts");
  await expect(page.getByTestId("live-connection")).toHaveText("live", { timeout: 15_000 });
  const row = page.getByTestId("webhook-row-e2e-receiver");
  await expect(row).toContainText("json");
  await expect(row).toContainText("http://127.0.0.1:");

  await row.getByRole("button", { name: "Send a test to e2e-receiver" }).click();
  await expect(page.getByTestId("webhook-test-result-e2e-receiver")).toHaveText(/^Delivered \(HTTP 204\) in \d+ ms$/, { timeout: 10_000 });
  expect(alertsReceived().filter((alert) => alert.kind === "test")).toEqual([
    expect.objectContaining({ schema: "switchyard.alert/v1", severity: "info", title: "Test message from Switchyard", backend: null }),
  ]);
  const deliveries = page.getByTestId("deliveries-table");
  await expect(deliveries.locator('[data-kind="test"][data-webhook="e2e-receiver"][data-status="delivered"]')).toHaveCount(1);

  // A crash as the lab meets one: the simulator's process dies with SIGKILL, nothing graceful.
  process.kill(await simulatorPid(request, "qwen-14b"), "SIGKILL");
  await expect
    .poll(() => alertsReceived().find((alert) => alert.kind === "backend_crashed" && alert.backend === "qwen-14b")?.title, { timeout: 15_000, message: "the crash alert reaches the receiver" })
    .toBe("qwen-14b crashed");
  // The page hears of the delivery live (no reload).
  await expect(deliveries.locator('[data-kind="backend_crashed"][data-resolved="false"][data-status="delivered"]').first()).toBeVisible({ timeout: 10_000 });
  await expect(deliveries.locator('[data-kind="backend_crashed"][data-resolved="false"]').first()).toContainText("qwen-14b crashed");

  // The watchdog brings it back, and says so.
  await expect
    .poll(() => alertsReceived().find((alert) => alert.kind === "backend_restarted" && alert.backend === "qwen-14b")?.title, { timeout: 30_000, message: "the restart alert reaches the receiver" })
    .toBe("qwen-14b was restarted by the watchdog");
  await expect(deliveries.locator('[data-kind="backend_restarted"][data-status="delivered"]').first()).toBeVisible({ timeout: 10_000 });
  await expect.poll(async () => (await (await request.get("/readyz")).json()).backends["qwen-14b"], { timeout: 20_000 }).toBe("ready");
  // ...and the crash is over: one resolved notice, listed live.
  await expect
    .poll(() => alertsReceived().filter((alert) => alert.kind === "backend_crashed" && alert.status === "resolved").map((alert) => alert.title), { timeout: 15_000, message: "the resolved notice reaches the receiver" })
    .toEqual(["qwen-14b is ready again"]);
  const resolved = deliveries.locator('[data-kind="backend_crashed"][data-resolved="true"][data-status="delivered"]');
  await expect(resolved).toHaveCount(1, { timeout: 10_000 });
  await expect(resolved).toContainText("backend crashed · resolved");
  await expect(resolved).toContainText("qwen-14b is ready again");

  await page.screenshot({ path: testInfo.outputPath("alerts.png"), fullPage: true });
});
