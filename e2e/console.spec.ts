import { expect, test } from "@playwright/test";

test("the console shell shows the mode and the backends of the simulated lab", async ({ page }, testInfo) => {
  await page.goto("/");
  await expect(page.getByTestId("current-mode")).toHaveText("standard");
  await expect(page.getByTestId("backend-qwen-7b")).toContainText("ready", { timeout: 20_000 });
  await expect(page.getByTestId("backend-qwen-14b")).toContainText("ready");
  await expect(page.getByTestId("backend-qwen-32b")).toContainText("not in this mode");
  await page.screenshot({ path: testInfo.outputPath("overview.png"), fullPage: true });
});
