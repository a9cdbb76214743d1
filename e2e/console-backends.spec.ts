import { expect, test, type Page } from "@playwright/test";

/** Records every operation step the page ever shows as running, to prove steps are shown as they happen. */
async function recordRunningSteps(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen = new Set<string>();
    (window as unknown as { __runningSteps: Set<string> }).__runningSteps = seen;
    const scan = () => document.querySelectorAll('[data-testid^="operation-step-"][data-status="running"]').forEach((el) => seen.add(el.getAttribute("data-testid") ?? ""));
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
  });
  return () => page.evaluate(() => [...(window as unknown as { __runningSteps: Set<string> }).__runningSteps]);
}

test("restarting a backend from the Backends page shows its steps and it returns to ready", async ({ page, request }, testInfo) => {
  await page.goto("/backends");
  const panel = page.getByTestId("backend-panel-qwen-7b");
  await expect(panel.getByTestId("backend-qwen-7b-state")).toHaveText("ready", { timeout: 20_000 });
  await expect(panel.getByTestId("backend-qwen-7b-container-state")).toHaveText("running");
  const restartsBefore = Number(await panel.getByTestId("backend-qwen-7b-restart-count").innerText());
  // A backend outside the current mode cannot be restarted from here.
  await expect(page.getByRole("button", { name: "Restart qwen-32b" })).toBeDisabled();

  // The logs open and follow.
  await panel.getByText("Recent logs").click();
  await expect(panel.getByLabel("Last 200 log lines of qwen-7b")).toContainText("qwen-7b", { timeout: 10_000 });

  const runningSteps = await recordRunningSteps(page);
  await page.getByRole("button", { name: "Restart qwen-7b" }).click();
  const dialog = page.getByRole("dialog", { name: "Restart qwen-7b?" });
  await expect(dialog).toBeVisible();
  // Escape cancels: nothing happens.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await page.getByRole("button", { name: "Restart qwen-7b" }).click();
  await dialog.getByRole("button", { name: "Restart qwen-7b" }).click();
  await expect(dialog).toBeHidden();

  const progress = panel.getByTestId("operation-progress");
  await expect(progress).toBeVisible();
  await expect(progress.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 30_000 });
  for (const step of ["stop_admitting", "drain", "stop_containers", "wait_gpu_memory", "start_containers", "wait_ready", "resume_admitting"]) {
    await expect(progress.getByTestId(`operation-step-${step}`)).toHaveAttribute("data-status", "succeeded");
  }
  // The slow steps (waiting for GPU memory to free, for the engine to load) were on screen while they ran.
  const seenRunning = await runningSteps();
  expect(seenRunning).toContain("operation-step-wait_gpu_memory");
  expect(seenRunning.length).toBeGreaterThanOrEqual(2);
  await expect(panel.getByTestId("backend-qwen-7b-state")).toHaveText("ready", { timeout: 20_000 });
  await expect(panel.getByTestId("backend-qwen-7b-restart-count")).toHaveText(String(restartsBefore + 1));
  await page.screenshot({ path: testInfo.outputPath("backends.png"), fullPage: true });

  // The lab serves again through it.
  await expect
    .poll(async () => (await request.post("/v1/chat/completions", { data: { model: "fast", messages: [{ role: "user", content: "up?" }], max_tokens: 2 } })).headers()["x-switchyard-backend"], {
      timeout: 15_000,
    })
    .toBe("qwen-7b");
});
