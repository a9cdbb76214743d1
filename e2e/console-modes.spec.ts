import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

async function recordRunningSteps(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen = new Set<string>();
    (window as unknown as { __runningSteps: Set<string> }).__runningSteps = seen;
    const scan = () => document.querySelectorAll('[data-testid^="operation-step-"][data-status="running"]').forEach((el) => seen.add(el.getAttribute("data-testid") ?? ""));
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
  });
  return () => page.evaluate(() => [...(window as unknown as { __runningSteps: Set<string> }).__runningSteps]);
}

async function backendFor(request: APIRequestContext, model: string): Promise<string | undefined> {
  const response = await request.post("/v1/chat/completions", { data: { model, messages: [{ role: "user", content: "who?" }], max_tokens: 2 } });
  return response.headers()["x-switchyard-backend"];
}

async function activate(page: Page, mode: string): Promise<void> {
  const runningSteps = await recordRunningSteps(page);
  await page.getByRole("button", { name: `Activate ${mode}` }).click();
  const dialog = page.getByRole("dialog", { name: `Activate ${mode} mode?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: `Activate ${mode}` }).click();
  await expect(dialog).toBeHidden();
  const progress = page.getByTestId("operation-progress");
  await expect(progress).toBeVisible();
  await expect(progress.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 45_000 });
  for (const step of ["stop_admitting", "drain", "stop_containers", "wait_gpu_memory", "start_containers", "wait_ready", "switch_routing"]) {
    await expect(progress.getByTestId(`operation-step-${step}`)).toHaveAttribute("data-status", "succeeded");
  }
  // The slow steps (waiting for GPU memory to free, for the engine to load) were on screen while they ran.
  const seenRunning = await runningSteps();
  expect(seenRunning).toContain("operation-step-wait_gpu_memory");
  expect(seenRunning.length).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("current-mode")).toHaveText(mode);
}

test("activating deep mode shows the steps live and ends with the 32B serving; then back to standard", async ({ page, request }, testInfo) => {
  try {
    await page.goto("/modes");
    await expect(page.getByTestId("current-mode")).toHaveText("standard", { timeout: 15_000 });
    await expect(page.getByRole("button", { name: "Activate standard" })).toBeDisabled();

    await activate(page, "deep");
    expect(await backendFor(request, "fast")).toBe("qwen-32b");
    await expect(page.getByTestId("mode-card-deep")).toContainText("active");
    await page.screenshot({ path: testInfo.outputPath("modes-deep.png"), fullPage: true });

    await page.getByRole("button", { name: "Dismiss the operation" }).click();
    await activate(page, "standard");
    await expect.poll(() => backendFor(request, "fast"), { timeout: 15_000 }).toBe("qwen-7b");

    // Both switches are in the history, by the console, with their steps.
    const history = page.getByTestId("switch-history");
    await expect(history.locator("tbody tr", { hasText: "standard → deep" }).first()).toContainText("console");
    await expect(history.locator("tbody tr", { hasText: "deep → standard" }).first()).toContainText("succeeded");
    await history.getByRole("button", { name: /^Steps/ }).first().click();
    await expect(history.getByTestId("operation-step-switch_routing")).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath("modes.png"), fullPage: true });
  } finally {
    // Leave the lab as found: standard mode, every backend ready (the gateway spec runs next).
    const status = (await (await request.get("/api/status")).json()).data;
    if (status.mode !== "standard" || status.operation) {
      await expect.poll(async () => (await (await request.get("/api/status")).json()).data.operation, { timeout: 30_000 }).toBeNull();
      await request.post("/api/modes/standard/activate", { headers: { "x-switchyard-client": "console" } });
    }
    await expect
      .poll(async () => (await (await request.get("/readyz")).json()).backends, { timeout: 30_000 })
      .toEqual({ "qwen-7b": "ready", "qwen-14b": "ready" });
  }
});
