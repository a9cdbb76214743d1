import { expect, test } from "@playwright/test";

test("the GPUs page charts each GPU beside the engines on it, over every range", async ({ page }, testInfo) => {
  await page.goto("/gpus");
  for (const index of [0, 1]) {
    const section = page.getByTestId(`gpu-history-${index}`);
    await expect(section).toBeVisible({ timeout: 15_000 });
    for (const chart of ["utilization", "memory", "power", "temperature"]) {
      await expect(section.getByTestId(`gpu-${index}-chart-${chart}`)).toBeVisible();
    }
  }
  // Standard mode: the 7B's engine on GPU 0, the 14B's on GPU 1.
  await expect(page.getByTestId("gpu-history-0").getByTestId("engine-charts-qwen-7b")).toBeVisible();
  await expect(page.getByTestId("gpu-history-1").getByTestId("engine-charts-qwen-14b")).toBeVisible();
  await expect(page.getByTestId("gpu-0-chart-power")).toContainText("limit 350 W");
  // Recharts draws lines once it has a size and data.
  await expect(page.getByTestId("gpu-0-chart-utilization").locator("path.recharts-curve")).toHaveCount(1, { timeout: 10_000 });
  await page.screenshot({ path: testInfo.outputPath("gpus-15m.png"), fullPage: true });

  for (const range of ["1h", "24h", "7d"]) {
    await page.getByRole("button", { name: range, exact: true }).click();
    await expect(page.getByRole("button", { name: range, exact: true })).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByTestId("gpu-history-0")).toBeVisible();
  }
  await page.screenshot({ path: testInfo.outputPath("gpus-7d.png"), fullPage: true });
});
