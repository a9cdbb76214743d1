import { expect, test, type Page } from "@playwright/test";

// The overview an operator keeps on a second screen: mode, backends, GPUs moving live, the gateway's rates.

const hello = [{ role: "user", content: "Hello from the console suite" }];

async function gpuReadings(page: Page, index: number): Promise<string> {
  const card = page.getByTestId(`gpu-card-${index}`);
  const parts = await Promise.all(["utilization", "power", "memory", "temperature"].map((field) => card.getByTestId(`gpu-${index}-${field}`).innerText()));
  return parts.join(" | ");
}

test("the overview shows the mode, the backends and both simulated GPUs with numbers that change", async ({ page, baseURL }, testInfo) => {
  await page.goto("/");
  await expect(page.getByTestId("live-connection")).toHaveText("live", { timeout: 15_000 });
  await expect(page.getByTestId("current-mode")).toHaveText("standard");
  await expect(page.getByTestId("backend-qwen-7b-state")).toHaveText("ready", { timeout: 20_000 });
  await expect(page.getByTestId("backend-qwen-14b-state")).toHaveText("ready");
  await expect(page.getByTestId("backend-qwen-32b-state")).toHaveText("not in this mode");

  for (const index of [0, 1]) {
    const card = page.getByTestId(`gpu-card-${index}`);
    await expect(card).toBeVisible();
    await expect(card.getByTestId(`gpu-${index}-power`)).toContainText("/ 350 W");
    await expect(card.getByTestId(`gpu-${index}-memory`)).toContainText("GiB");
    // Invented numbers say so: the simulated lab's GPUs and engines are badged.
    await expect(card.getByTestId(`gpu-${index}-simulated`)).toHaveText("simulated");
  }
  await expect(page.getByTestId("backend-qwen-7b-simulated")).toHaveText("simulated");
  const before = [await gpuReadings(page, 0), await gpuReadings(page, 1)];

  // Load on both GPUs (fast -> qwen-7b on GPU 0, reasoning -> qwen-14b on GPU 1), kept in flight until the readings
  // have moved: long generations (vLLM's ignore_eos keeps the simulator from stopping early) that are cut once seen,
  // so how long the watch takes cannot outlast the load.
  const load = new AbortController();
  try {
    const streams = await Promise.all(
      ["fast", "reasoning", "fast", "reasoning"].map((model) =>
        fetch(`${baseURL}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model, messages: hello, max_tokens: 4_000, ignore_eos: true, stream: true }),
          signal: load.signal,
        }),
      ),
    );
    // Stream headers go out with the first token: every request is generating from here on.
    for (const response of streams) expect(response.status).toBe(200);
    for (const index of [0, 1]) {
      await expect.poll(() => gpuReadings(page, index), { timeout: 20_000, message: `GPU ${index}'s readings change` }).not.toBe(before[index]);
    }
  } finally {
    load.abort();
  }

  // The gateway's rates pick the requests up from the request log: at least the four above. The rate is taken over
  // the last whole rollup minute and the running one (60 to 120 s), so four requests read as 2 to 4 a minute.
  await expect
    .poll(async () => Number((await page.getByTestId("gateway-request-rate").innerText()).match(/^([\d.,]+)\/min$/)?.[1]?.replaceAll(",", "") ?? NaN), {
      timeout: 15_000,
      message: "the request rate counts the requests just made",
    })
    .toBeGreaterThanOrEqual(2);
  // A client hanging up is not the gateway's error.
  await expect(page.getByTestId("gateway-error-rate")).toHaveText("0.0 %");
  await page.screenshot({ path: testInfo.outputPath("overview.png"), fullPage: true });
});

test("the overview works in the dark theme and at tablet width", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.goto("/");
  await expect(page.getByTestId("gpu-card-0")).toBeVisible({ timeout: 15_000 });
  const toggle = page.getByRole("button", { name: /^Theme:/ });
  await toggle.click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await toggle.click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  // The choice survives a reload (stored, applied before the first paint).
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(page.getByTestId("backend-card-qwen-7b")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("overview-dark-tablet.png"), fullPage: true });
  await page.getByRole("button", { name: /^Theme: dark/ }).click();
  await expect(page.locator("html")).not.toHaveAttribute("data-theme", /./);
});
