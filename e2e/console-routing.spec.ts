import { expect, test } from "@playwright/test";

// Editing routes from the console writes the config file; the suite restores it whatever happens.

const hello = [{ role: "user", content: "Which backend answers?" }];

test("a route edit is validated, and a good one changes where a request goes", async ({ page, request }, testInfo) => {
  const original = (await (await request.get("/api/routes")).json()).data.routes;
  try {
    await page.goto("/routing");
    await expect(page.getByTestId("routing-cell-fast-standard")).toHaveText("qwen-7b", { timeout: 15_000 });
    await expect(page.getByTestId("routing-cell-fast-deep")).toHaveText("qwen-32b");
    await expect(page.getByTestId("routing-cell-qwen2.5-32b-instruct-awq-standard")).toHaveText("offline");
    await expect(page.getByTestId("auto-rules-auto")).toContainText("reasoning");
    await page.screenshot({ path: testInfo.outputPath("routing.png"), fullPage: true });

    const fastBackends = page.getByLabel("Backends for fast");
    const save = page.getByRole("button", { name: "Save routes" });

    // An unknown backend: the config validator's message, and nothing changes.
    await fastBackends.fill("qwen-7b, nope");
    await save.click();
    await expect(page.getByTestId("routes-error")).toContainText('unknown backend "nope"');
    await expect(page.getByTestId("routing-cell-fast-standard")).toHaveText("qwen-7b");

    // A good edit: fast now goes to the 14B.
    await fastBackends.fill("qwen-14b");
    await save.click();
    await expect(page.getByTestId("routes-saved")).toBeVisible();
    await expect(page.getByTestId("routing-cell-fast-standard")).toHaveText("qwen-14b");
    const moved = await request.post("/v1/chat/completions", { data: { model: "fast", messages: hello, max_tokens: 4 } });
    expect(moved.status()).toBe(200);
    expect(moved.headers()["x-switchyard-backend"]).toBe("qwen-14b");

    // And back, from the console too.
    await page.getByLabel("Backends for fast").fill("qwen-7b, qwen-32b");
    await page.getByRole("button", { name: "Save routes" }).click();
    await expect(page.getByTestId("routing-cell-fast-standard")).toHaveText("qwen-7b");
    const back = await request.post("/v1/chat/completions", { data: { model: "fast", messages: hello, max_tokens: 4 } });
    expect(back.headers()["x-switchyard-backend"]).toBe("qwen-7b");
  } finally {
    const restored = await request.put("/api/routes", { data: { routes: original }, headers: { "x-switchyard-client": "console" } });
    expect(restored.status()).toBe(200);
  }
});

test("a bad backend limit shows the server's message and changes nothing", async ({ page, request }) => {
  await page.goto("/routing");
  const concurrency = page.getByLabel("Max concurrent requests for qwen-32b");
  await expect(concurrency).toHaveValue("16", { timeout: 15_000 });
  await concurrency.fill("0");
  await page.getByRole("button", { name: "Save limits of qwen-32b" }).click();
  await expect(page.getByTestId("limits-qwen-32b").getByRole("alert")).toContainText("maxConcurrency");
  await expect(concurrency).toHaveAttribute("aria-invalid", "true");
  const view = (await (await request.get("/api/routes")).json()).data;
  expect(view.backends["qwen-32b"].maxConcurrency).toBe(16);
});
