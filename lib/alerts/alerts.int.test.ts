import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AlertsView, AlertTestResult } from "@/lib/api/alerts";
import type { JsonAlertPayload } from "@/lib/alerts/formats";
import { SimulatedRuntime } from "@/lib/runtime/simulated";
import { pickFreePort } from "@/lib/sim/ports";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { waitFor, waitUntil } from "@/lib/testing/wait";
import { startWebhookReceiver, type WebhookReceiver } from "@/lib/testing/webhook-receiver";

/**
 * Alerts end to end on the simulated lab: real simulator processes killed with SIGKILL, the production factory, real
 * route files over HTTP, a temp SQLite file, and a real HTTP receiver for the webhooks (one fine, one answering 500,
 * one that never answers).
 */

const SECRET = "Bearer it-alert-secret-0123456789";
let app: AppHarness;
let receiver: WebhookReceiver;

function alertsYaml(receiverUrl: string, closedPort: number) {
  return `
alerts:
  consoleUrl: http://lab.example:3000
  cooldownSeconds: 300
  delivery: { timeoutSeconds: 2, attempts: 2, backoffSeconds: 0.2, queueSize: 3 }
  webhooks:
    - { name: ops, url: "${receiverUrl}/ok/json", format: json, headers: { Authorization: "${SECRET}" } }
    - { name: discord, url: "${receiverUrl}/ok/discord/123/token", format: discord, kinds: [backend_crashed, test] }
    - { name: phone, url: "${receiverUrl}/ok/ntfy", format: ntfy, minSeverity: error }
    - { name: broken, url: "${receiverUrl}/fail", format: json }
    - { name: stuck, url: "${receiverUrl}/hang", format: json }
    - { name: refusing, url: "${receiverUrl}/bad", format: discord, kinds: [backend_crashed] }
    - { name: closed, url: "http://127.0.0.1:${closedPort}/hook", format: ntfy, kinds: [backend_crashed] }
`;
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // A port nobody listens on: connections to it are refused.
  const closedPort = await pickFreePort("127.0.0.1");
  app = await startAppHarness({ yaml: (ports) => simulatedLabYaml(ports) + alertsYaml(receiver.url, closedPort) });
  await waitFor(async () => {
    const ready = (await (await fetch(`${app.url}/readyz`)).json()) as { backends: Record<string, string> };
    return ready.backends["qwen-7b"] === "ready" && ready.backends["qwen-14b"] === "ready";
  }, "both chat backends ready", 30_000);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await receiver?.close();
});

const alertsAt = (prefix: string) => receiver.received.filter((hook) => hook.path.startsWith(prefix));
const jsonAlerts = (prefix: string) => alertsAt(prefix).map((hook) => hook.json as JsonAlertPayload);

async function alertsView(query = ""): Promise<AlertsView> {
  const response = await fetch(`${app.url}/api/alerts${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: AlertsView }).data;
}

async function chatLatencyMs(): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "fast", max_tokens: 4, messages: [{ role: "user", content: "hi" }] }),
  });
  await response.text();
  expect(response.status).toBe(200);
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe("alerts from the lab", () => {
  test("a SIGKILLed simulator: the receiver gets the crash alert, then the watchdog's restart; a failing and a hanging webhook slow nothing", async () => {
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) baseline.push(await chatLatencyMs());

    const runtime = app.switchyard.runtime as SimulatedRuntime;
    expect(runtime.kill("qwen-14b", "SIGKILL")).toBe(true);

    const crash = await waitUntil("the crash alert at the JSON webhook", async () => jsonAlerts("/ok/json").find((alert) => alert.kind === "backend_crashed"), 15_000);
    expect(crash).toMatchObject({
      schema: "switchyard.alert/v1",
      kind: "backend_crashed",
      severity: "error",
      title: "qwen-14b crashed",
      backend: "qwen-14b",
      link: "http://lab.example:3000/backends",
    });
    expect(crash.message).toMatch(/qwen-14b exited with code/);
    expect(alertsAt("/ok/json")[0]?.headers.authorization).toBe(SECRET);

    // While the stuck webhook hangs on the crash alert, requests go on as fast as before.
    const during: number[] = [];
    for (let i = 0; i < 10; i++) during.push(await chatLatencyMs());
    expect(alertsAt("/hang").length).toBeGreaterThanOrEqual(1);
    expect(median(during)).toBeLessThan(median(baseline) + 250);

    // ...and the watchdog restarts the backend meanwhile.
    const restart = await waitUntil("the restart alert", async () => jsonAlerts("/ok/json").find((alert) => alert.kind === "backend_restarted"), 30_000);
    expect(restart).toMatchObject({ severity: "warning", title: "qwen-14b was restarted by the watchdog", backend: "qwen-14b" });

    // The crash is over once the backend is back: one resolved notice per webhook that had the crash, in its format.
    const resolved = await waitUntil("the crash's resolved notice", async () => jsonAlerts("/ok/json").find((alert) => alert.kind === "backend_crashed" && alert.status === "resolved"), 30_000);
    expect(crash.status).toBe("firing");
    expect(resolved).toMatchObject({ severity: "error", title: "qwen-14b is ready again", backend: "qwen-14b", link: "http://lab.example:3000/backends" });
    expect(resolved.id).not.toBe(crash.id);
    expect(Date.parse(resolved.at)).toBeGreaterThan(Date.parse(crash.at));
    await waitFor(() => alertsAt("/ok/discord").length >= 2 && alertsAt("/ok/ntfy").length >= 2, "the resolved notice at Discord and ntfy", 10_000);

    // Discord takes only crashes (and tests); ntfy only errors: the crash, not the restart (a warning), and its end.
    const discord = alertsAt("/ok/discord");
    expect(discord).toHaveLength(2);
    expect(discord[0]?.json).toMatchObject({ content: "**ERROR** qwen-14b crashed", allowed_mentions: { parse: [] }, embeds: [{ title: "ERROR: qwen-14b crashed", url: "http://lab.example:3000/backends" }] });
    expect(discord[1]?.json).toMatchObject({ content: "**RESOLVED** qwen-14b is ready again", embeds: [{ title: "Resolved: qwen-14b is ready again", color: 0x57f287 }] });
    const ntfy = alertsAt("/ok/ntfy");
    expect(ntfy).toHaveLength(2);
    expect(ntfy[0]).toMatchObject({ headers: { title: "qwen-14b crashed", priority: "5", click: "http://lab.example:3000/backends" } });
    expect(ntfy[0]?.body).toMatch(/qwen-14b exited with code/);
    expect(ntfy[1]).toMatchObject({ headers: { title: "Resolved: qwen-14b is ready again", priority: "3", tags: "white_check_mark,switchyard,backend_crashed,resolved" } });
    // Exactly one: the health check and the watchdog's restart both say the backend is back.
    expect(jsonAlerts("/ok/json").filter((alert) => alert.status === "resolved")).toHaveLength(1);

    // Every attempt is recorded: the failing one twice (HTTP 500, retried once), the hanging one as timed out.
    const view = await waitUntil("both attempts at the stuck webhook recorded", async () => {
      const current = await alertsView("?limit=200");
      const stuck = current.deliveries.rows.filter((row) => row.webhook === "stuck" && row.kind === "backend_crashed");
      return stuck.length >= 2 ? current : undefined;
    }, 20_000);
    const rows = view.deliveries.rows;
    const crashRows = (webhook: string) => rows.filter((row) => row.webhook === webhook && row.kind === "backend_crashed" && !row.resolved).sort((a, b) => a.attempt - b.attempt);
    expect(crashRows("ops")).toMatchObject([{ status: "delivered", httpStatus: 204, attempt: 1, error: null, title: "qwen-14b crashed", backendId: "qwen-14b", resolved: false }]);
    expect(rows.filter((row) => row.webhook === "ops" && row.resolved)).toMatchObject([{ kind: "backend_crashed", status: "delivered", title: "qwen-14b is ready again" }]);
    expect(crashRows("broken")).toMatchObject([
      { status: "failed", httpStatus: 500, attempt: 1, willRetry: true, error: "HTTP 500: receiver says no" },
      { status: "failed", httpStatus: 500, attempt: 2, willRetry: false },
    ]);
    expect(crashRows("stuck")).toMatchObject([
      { status: "failed", httpStatus: null, attempt: 1, willRetry: true, error: "no answer within 2 s" },
      { status: "failed", httpStatus: null, attempt: 2, willRetry: false, error: "no answer within 2 s" },
    ]);
    for (const row of crashRows("stuck")) expect(row.durationMs).toBeGreaterThanOrEqual(1_900);
    expect(crashRows("closed")).toMatchObject([
      { status: "failed", httpStatus: null, attempt: 1, willRetry: true, error: "connection refused" },
      { status: "failed", httpStatus: null, attempt: 2, willRetry: false, error: "connection refused" },
    ]);
    // A 400 will not get better: one try, final.
    expect(crashRows("refusing")).toMatchObject([{ status: "failed", httpStatus: 400, attempt: 1, willRetry: false, error: 'HTTP 400: {"message": "Invalid Form Body"}' }]);

    // Secrets stay in the config file.
    expect(JSON.stringify(view)).not.toContain(SECRET);
    expect(JSON.stringify(view)).not.toContain("/123/token");
    expect(view.webhooks.find((webhook) => webhook.name === "ops")).toMatchObject({ headerNames: ["Authorization"], url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/…json$/) });
  }, 90_000);

  test("requests failing on the lab's side raise the error-rate alert; a restart from the console is alerted as such", async () => {
    const fs = await import("node:fs");
    const original = fs.readFileSync(app.configFile, "utf8");
    fs.writeFileSync(app.configFile, original.replace("cooldownSeconds: 300", "cooldownSeconds: 0\n  errorRate: { thresholdPct: 20, windowMinutes: 1, minRequests: 5 }"));
    app.switchyard.configStore.reload();
    expect(app.switchyard.config().alerts.errorRate.minRequests).toBe(5);
    try {
      // Down with no watchdog to bring it back: requests for its route get 503 (the 32B is not in this mode).
      app.switchyard.watchdog!.setEnabled("qwen-14b", false);
      expect((app.switchyard.runtime as SimulatedRuntime).kill("qwen-14b", "SIGKILL")).toBe(true);
      await waitFor(() => !app.switchyard.health.isHealthy("qwen-14b"), "qwen-14b marked down", 10_000);
      for (let i = 0; i < 12; i++) {
        const response = await fetch(`${app.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "reasoning", max_tokens: 4, messages: [{ role: "user", content: "hi" }] }),
        });
        await response.text();
        expect(response.status).toBe(503);
      }
      const errorRate = await waitUntil("the error-rate alert", async () => jsonAlerts("/ok/json").find((alert) => alert.kind === "error_rate"), 10_000);
      expect(errorRate).toMatchObject({ severity: "error", backend: null, link: "http://lab.example:3000/requests?status=5xx" });
      expect(errorRate.title).toMatch(/^\d+\.\d % of requests failed$/);

      const restart = await fetch(`${app.url}/api/backends/qwen-14b/restart`, { method: "POST", headers: { origin: app.url, "x-switchyard-client": "console" } });
      expect(restart.status).toBe(202);
      const restarted = await waitUntil("the console restart's alert", async () => jsonAlerts("/ok/json").find((alert) => alert.kind === "backend_restarted" && alert.title.endsWith("by the console")), 30_000);
      expect(restarted).toMatchObject({ severity: "info", title: "qwen-14b was restarted by the console", backend: "qwen-14b" });

      // Requests served again bring the share back under the threshold: the error-rate alert's end, once.
      for (let i = 0; i < 80 && !jsonAlerts("/ok/json").some((alert) => alert.kind === "error_rate" && alert.status === "resolved"); i++) await chatLatencyMs();
      const over = await waitUntil("the error rate's resolved notice", async () => jsonAlerts("/ok/json").find((alert) => alert.kind === "error_rate" && alert.status === "resolved"), 10_000);
      expect(over).toMatchObject({ severity: "error", backend: null, link: "http://lab.example:3000/requests?status=5xx" });
      expect(over.title).toMatch(/^Error rate back to \d+\.\d %$/);
      expect(Number(/(\d+\.\d) %/.exec(over.title)?.[1])).toBeLessThanOrEqual(20);
      for (let i = 0; i < 5; i++) await chatLatencyMs();
      expect(jsonAlerts("/ok/json").filter((alert) => alert.kind === "error_rate" && alert.status === "resolved")).toHaveLength(1);
    } finally {
      app.switchyard.watchdog!.setEnabled("qwen-14b", true);
      fs.writeFileSync(app.configFile, original);
      app.switchyard.configStore.reload();
    }
  }, 60_000);

  test("a mode switch whose target fails to load is rolled back, and alerted as such", async () => {
    (app.switchyard.runtime as SimulatedRuntime).setStartFaults("qwen-32b", { failAtLoad: true });
    const response = await fetch(`${app.url}/api/modes/deep/activate`, { method: "POST", headers: { origin: app.url, "x-switchyard-client": "console" } });
    expect(response.status).toBe(202);
    const alert = await waitUntil("the rolled-back switch's alert", async () => jsonAlerts("/ok/json").find((one) => one.kind === "mode_switch_rolled_back"), 60_000);
    expect(alert).toMatchObject({ severity: "warning", title: "Mode switch standard → deep was rolled back", backend: null, link: "http://lab.example:3000/modes" });
    expect(alert.message).toMatch(/^The switch from standard to deep failed and the lab is back in standard: .+/);
    expect(app.switchyard.controller.currentMode()).toBe("standard");
    // The 32B's exit during the switch is the switch's business, not a crash alert.
    expect(jsonAlerts("/ok/json").filter((one) => one.kind === "backend_crashed" && one.backend === "qwen-32b")).toEqual([]);
  }, 90_000);

  test("a GPU above the temperature threshold for the sustained time is alerted, from the telemetry's own readings", async () => {
    const fs = await import("node:fs");
    const original = fs.readFileSync(app.configFile, "utf8");
    // The simulated GPUs idle well above 1 °C: every reading is over this threshold.
    fs.writeFileSync(app.configFile, original.replace("cooldownSeconds: 300", "cooldownSeconds: 300\n  gpuTemperature: { thresholdC: 1, sustainedSeconds: 1 }"));
    app.switchyard.configStore.reload();
    try {
      const startedAt = Date.now();
      const alert = await waitUntil("the GPU temperature alert", async () => jsonAlerts("/ok/json").find((one) => one.kind === "gpu_temperature" && one.title.startsWith("GPU 0 ")), 15_000);
      expect(alert).toMatchObject({ severity: "warning", backend: null, link: "http://lab.example:3000/gpus" });
      expect(alert.title).toMatch(/^GPU 0 is at \d+ °C$/);
      expect(alert.message).toMatch(/has been at or above 1 °C for [1-9]\d* s/);
      // Not before the sustained second (less one telemetry tick: the first hot reading may predate the reload by up to 250 ms).
      expect(Date.parse(alert.at) - startedAt).toBeGreaterThanOrEqual(700);

      // A threshold far above the readings: every GPU is below it less the hysteresis, and its alert is over.
      fs.writeFileSync(app.configFile, original.replace("cooldownSeconds: 300", "cooldownSeconds: 300\n  gpuTemperature: { thresholdC: 200, sustainedSeconds: 1, hysteresisC: 5 }"));
      app.switchyard.configStore.reload();
      const cooled = await waitUntil("the GPU temperature's resolved notice", async () => jsonAlerts("/ok/json").find((one) => one.kind === "gpu_temperature" && one.status === "resolved" && one.title.startsWith("GPU 0 ")), 15_000);
      expect(cooled).toMatchObject({ severity: "warning", link: "http://lab.example:3000/gpus" });
      expect(cooled.title).toMatch(/^GPU 0 is back to \d+ °C$/);
      expect(cooled.message).toContain("below 195 °C");
    } finally {
      fs.writeFileSync(app.configFile, original);
      app.switchyard.configStore.reload();
    }
  }, 30_000);

  test("the test endpoint sends to one webhook or to each and answers with every result", async () => {
    const one = await fetch(`${app.url}/api/alerts/test`, { method: "POST", headers: { "content-type": "application/json", origin: app.url }, body: JSON.stringify({ webhook: "discord" }) });
    expect(one.status).toBe(200);
    const oneResult = ((await one.json()) as { data: { results: AlertTestResult[] } }).data.results;
    expect(oneResult).toEqual([{ webhook: "discord", status: "delivered", httpStatus: 204, error: null, durationMs: expect.any(Number) }]);
    expect(alertsAt("/ok/discord").at(-1)?.json).toMatchObject({ embeds: [{ title: "INFO: Test message from Switchyard" }] });

    const started = Date.now();
    const all = await fetch(`${app.url}/api/alerts/test`, { method: "POST", headers: { "content-type": "application/json", origin: app.url }, body: "{}" });
    const results = ((await all.json()) as { data: { results: AlertTestResult[] } }).data.results;
    // One attempt each, in parallel: the hanging webhook costs its timeout once, not the sum.
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(Object.fromEntries(results.map((result) => [result.webhook, [result.status, result.httpStatus]]))).toEqual({
      ops: ["delivered", 204],
      discord: ["delivered", 204],
      phone: ["delivered", 204],
      broken: ["failed", 500],
      stuck: ["failed", null],
      refusing: ["failed", 400],
      closed: ["failed", null],
    });
    expect(jsonAlerts("/ok/json").at(-1)).toMatchObject({ kind: "test", severity: "info", link: "http://lab.example:3000/alerts" });

    const unknown = await fetch(`${app.url}/api/alerts/test`, { method: "POST", headers: { "content-type": "application/json", origin: app.url }, body: JSON.stringify({ webhook: "nope" }) });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('no webhook named "nope"');

    const tests = (await alertsView("?webhook=discord")).deliveries.rows.filter((row) => row.kind === "test");
    expect(tests.length).toBe(2);
  }, 30_000);

  test("a webhook that is down for long drops its oldest alerts and records the drops; the cool-down holds back repeats", async () => {
    const raise = (subject: string) =>
      app.switchyard.alerts.raise({ kind: "gpu_temperature", severity: "warning", title: `hot ${subject}`, message: "hot", backend: null, subject, path: "/gpus" });
    expect(raise("gpu10")).not.toBeNull();
    expect(raise("gpu10")).toBeNull();
    for (const subject of ["gpu11", "gpu12", "gpu13", "gpu14", "gpu15"]) raise(subject);
    const dropped = await waitUntil("dropped alerts recorded", async () => {
      const rows = (await alertsView("?webhook=stuck&status=dropped")).deliveries.rows;
      return rows.length >= 1 ? rows : undefined;
    }, 10_000);
    expect(dropped[0]).toMatchObject({ status: "dropped", attempt: 0, kind: "gpu_temperature", error: expect.stringContaining("queue of 3 alerts was full") });
    expect((await alertsView()).webhooks.find((webhook) => webhook.name === "stuck")?.queued).toBeLessThanOrEqual(3);
  }, 30_000);
});

describe("alerts config", () => {
  test("a change to the alerts section takes effect without a restart (hot reload)", async () => {
    const fs = await import("node:fs");
    const original = fs.readFileSync(app.configFile, "utf8");
    try {
      fs.writeFileSync(app.configFile, original.replace("- { name: phone,", "- { name: pager,"));
      app.switchyard.configStore.reload();
      expect((await alertsView()).webhooks.map((webhook) => webhook.name)).toEqual(["ops", "discord", "pager", "broken", "stuck", "refusing", "closed"]);
      const response = await fetch(`${app.url}/api/alerts/test`, { method: "POST", headers: { "content-type": "application/json", origin: app.url }, body: JSON.stringify({ webhook: "pager" }) });
      expect(((await response.json()) as { data: { results: AlertTestResult[] } }).data.results).toMatchObject([{ webhook: "pager", status: "delivered" }]);
    } finally {
      fs.writeFileSync(app.configFile, original);
      app.switchyard.configStore.reload();
    }
  });
});
