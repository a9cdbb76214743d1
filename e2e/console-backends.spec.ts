import { expect, test } from "@playwright/test";
import { expectStepsAnnounced, expectStepsRecorded, finishedOperation, openLabEventStream, RESTART_STEPS, startedOperationId } from "./support/lab";

test("restarting a backend from the Backends page shows its steps and it returns to ready", async ({ page, request, baseURL }, testInfo) => {
  const testStartedAt = Date.now();
  const events = await openLabEventStream(baseURL!);
  try {
    await page.goto("/backends");
    const panel = page.getByTestId("backend-panel-qwen-7b");
    await expect(panel.getByTestId("backend-qwen-7b-state")).toHaveText("ready", { timeout: 20_000 });
    await expect(panel.getByTestId("backend-qwen-7b-container-state")).toHaveText("running");
    const restartsBefore = Number(await panel.getByTestId("backend-qwen-7b-restart-count").innerText());
    expect(restartsBefore).toBeGreaterThanOrEqual(0);
    // A backend outside the current mode cannot be restarted from here.
    await expect(page.getByRole("button", { name: "Restart qwen-32b" })).toBeDisabled();

    // The logs open and follow.
    await panel.getByText("Recent logs").click();
    await expect(panel.getByLabel("Last 200 log lines of qwen-7b")).toContainText("qwen-7b", { timeout: 10_000 });

    await page.getByRole("button", { name: "Restart qwen-7b" }).click();
    const dialog = page.getByRole("dialog", { name: "Restart qwen-7b?" });
    await expect(dialog).toBeVisible();
    // Escape cancels: nothing happens.
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await page.getByRole("button", { name: "Restart qwen-7b" }).click();
    const accepted = page.waitForResponse((response) => response.request().method() === "POST" && new URL(response.url()).pathname === "/api/backends/qwen-7b/restart");
    await dialog.getByRole("button", { name: "Restart qwen-7b" }).click();
    const operationId = await startedOperationId(await accepted);
    await expect(dialog).toBeHidden();

    // The panel follows the restart it started, to its end.
    const progress = panel.getByTestId("operation-progress");
    await expect(progress).toBeVisible();
    await expect(progress).toHaveAttribute("data-operation-id", operationId);
    await expect(progress.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 30_000 });
    for (const step of RESTART_STEPS) {
      await expect(progress.getByTestId(`operation-step-${step}`)).toHaveAttribute("data-status", "succeeded");
    }
    // Every step, the slow ones (waiting for GPU memory to free, for the engine to load) as well as the instant ones,
    // was pushed to the console as running and then as done while it ran, and recorded in order with its times. (What
    // the page rendered in between depends on how fast each step was, so it is not what this checks.)
    await expectStepsAnnounced(events, operationId, RESTART_STEPS);
    const record = await finishedOperation(request, operationId);
    expectStepsRecorded(record, RESTART_STEPS);
    expect(record).toMatchObject({ kind: "restart", backendId: "qwen-7b", requestedBy: "console" });
    // The Escape above started nothing: this is the only restart of qwen-7b since the test began.
    const restarts = (await (await request.get("/api/modes/switches?kind=restart&backendId=qwen-7b&limit=10")).json()).data.rows as { id: string; startedAt: string }[];
    expect(restarts.filter((row) => Date.parse(row.startedAt) >= testStartedAt).map((row) => row.id)).toEqual([operationId]);

    await expect(panel.getByTestId("backend-qwen-7b-state")).toHaveText("ready", { timeout: 20_000 });
    await expect(panel.getByTestId("backend-qwen-7b-restart-count")).toHaveText(String(restartsBefore + 1), { timeout: 10_000 });
    await page.screenshot({ path: testInfo.outputPath("backends.png"), fullPage: true });

    // The lab serves again through it.
    await expect
      .poll(async () => (await request.post("/v1/chat/completions", { data: { model: "fast", messages: [{ role: "user", content: "up?" }], max_tokens: 2 } })).headers()["x-switchyard-backend"], {
        timeout: 15_000,
      })
      .toBe("qwen-7b");
  } finally {
    events.close();
  }
});
