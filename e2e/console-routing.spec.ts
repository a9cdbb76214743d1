import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";

// Editing routes and limits from the console writes the config file the suite's server reads (playwright.config.ts
// copies e2e/switchyard.e2e.yaml to .tmp/e2e/switchyard.yaml). Each test puts back what it changed.

const configFile = path.resolve(".tmp/e2e/switchyard.yaml");
const hello = [{ role: "user", content: "Which backend answers?" }];
const fromConsole = { "x-switchyard-client": "console" };

async function routesNow(request: APIRequestContext): Promise<Record<string, unknown>> {
  return (await (await request.get("/api/routes")).json()).data.routes as Record<string, unknown>;
}

test("a route edited with the pickers: diff preview, confirmation, only that node's bytes change, and the audit trail lists it", async ({ page, request }, testInfo) => {
  const original = await routesNow(request);
  const originalText = fs.readFileSync(configFile, "utf8");
  expect(originalText).toContain("  fast: [qwen-7b, qwen-32b]          # quick answers\n");
  try {
    await page.goto("/routing");
    await expect(page.getByTestId("routing-cell-fast-standard")).toHaveText("qwen-7b", { timeout: 15_000 });
    await expect(page.getByTestId("routing-cell-fast-deep")).toHaveText("qwen-32b");
    await expect(page.getByTestId("auto-rules-auto")).toContainText("reasoning");
    await page.screenshot({ path: testInfo.outputPath("routing.png"), fullPage: true });

    // The pickers: each backend offered with its health; remove, add, move up.
    const add = page.getByLabel("Add a backend to fast");
    await expect(add.locator("option", { hasText: "qwen-14b (ready)" })).toHaveCount(1);
    await expect(page.getByTestId("candidate-fast-qwen-32b")).toContainText("not in this mode");
    await page.getByRole("button", { name: "Remove qwen-32b from fast" }).click();
    await add.selectOption("qwen-14b");
    await page.getByRole("button", { name: "Move qwen-14b up in fast" }).click();
    await expect(page.getByRole("group", { name: "Backends for fast" }).locator("li code")).toHaveText(["qwen-14b", "qwen-7b"]);
    await expect(page.getByTestId("routes-unsaved")).toBeVisible();

    // The unsaved-changes guard: an in-app link asks first; staying keeps the edit. Closing the tab is refused too.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Overview" }).click();
    const leave = page.getByRole("dialog", { name: "Leave without saving?" });
    await expect(leave).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath("routing-unsaved-guard.png") });
    await leave.getByRole("button", { name: "Cancel" }).click();
    await expect(page).toHaveURL(/\/routing$/);
    await expect(page.getByRole("group", { name: "Backends for fast" }).locator("li code")).toHaveText(["qwen-14b", "qwen-7b"]);
    expect(await page.evaluate(() => !window.dispatchEvent(new Event("beforeunload", { cancelable: true })))).toBe(true);

    // The diff preview, computed by the server with the splice the save will use.
    await page.getByRole("button", { name: "Review changes" }).click();
    const review = page.getByRole("dialog", { name: "Save these route changes?" });
    const diff = review.getByTestId("routes-diff");
    await expect(diff.locator("tr.diff-removed")).toHaveText([/fast: \[qwen-7b, qwen-32b\]\s+# quick answers/]);
    await expect(diff.locator("tr.diff-added")).toHaveText([/fast: \[qwen-14b, qwen-7b\]\s+# quick answers/]);
    await expect(review.getByTestId("routes-preview-changes")).toHaveText("route fast: qwen-7b, qwen-32b → qwen-14b, qwen-7b");
    await page.screenshot({ path: testInfo.outputPath("routing-diff-preview.png") });
    await review.getByRole("button", { name: "Save routes" }).click();

    // The confirmation, once the server has written it; the lab routes by it at once.
    await expect(page.getByTestId("routes-saved")).toHaveText("Saved routes: fast");
    await expect(page.getByTestId("routing-cell-fast-standard")).toHaveText("qwen-14b");
    await expect(page.getByTestId("routes-unsaved")).toHaveCount(0);
    const moved = await request.post("/v1/chat/completions", { data: { model: "fast", messages: hello, max_tokens: 4 } });
    expect(moved.headers()["x-switchyard-backend"]).toBe("qwen-14b");

    // On disk: the original, byte for byte, but the edited list (its aligned comment kept in place).
    expect(fs.readFileSync(configFile, "utf8")).toBe(originalText.replace("fast: [qwen-7b, qwen-32b]          #", "fast: [qwen-14b, qwen-7b]          #"));

    // The audit trail lists it, with who and the lines before and after.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit" }).click();
    await expect(page).toHaveURL(/\/audit$/);
    const entry = page.getByTestId("audit-list").locator("li", { hasText: "route fast: qwen-7b, qwen-32b → qwen-14b, qwen-7b" }).first();
    await expect(entry).toBeVisible({ timeout: 10_000 });
    await expect(entry.getByTestId("audit-actor")).toContainText("open console (no sign-in) · from the console");
    await entry.getByText("Before and after").click();
    await expect(entry.getByTestId("audit-before")).toHaveText("  fast: [qwen-7b, qwen-32b]          # quick answers");
    await expect(entry.getByTestId("audit-after")).toHaveText("  fast: [qwen-14b, qwen-7b]          # quick answers");
    await page.screenshot({ path: testInfo.outputPath("audit.png"), fullPage: true });

    // Live: a change made elsewhere appears without a reload.
    const restored = await request.put("/api/routes", { data: { routes: original }, headers: fromConsole });
    expect(restored.status()).toBe(200);
    await expect(page.getByTestId("audit-list").locator("li").first()).toContainText("route fast: qwen-14b, qwen-7b → qwen-7b, qwen-32b", { timeout: 10_000 });
    // Putting the old value back gives the old file back, byte for byte.
    expect(fs.readFileSync(configFile, "utf8")).toBe(originalText);
  } finally {
    await request.put("/api/routes", { data: { routes: original }, headers: fromConsole });
  }
});

test("the browser's Back with unsaved route edits asks first: Cancel keeps the edit, Leave goes back", async ({ page }) => {
  const before = fs.readFileSync(configFile, "utf8");
  await page.goto("/");
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Routing" }).click();
  await expect(page).toHaveURL(/\/routing$/);
  await expect(page.getByTestId("routing-cell-fast-standard")).toHaveText("qwen-7b", { timeout: 15_000 });
  const fast = page.getByRole("group", { name: "Backends for fast" }).locator("li code");
  await page.getByRole("button", { name: "Remove qwen-32b from fast" }).click();
  await expect(fast).toHaveText(["qwen-7b"]);
  await expect(page.getByTestId("routes-unsaved")).toBeVisible();

  const leave = page.getByRole("dialog", { name: "Leave without saving?" });
  await page.goBack();
  await expect(leave).toBeVisible();
  await expect(page).toHaveURL(/\/routing$/);
  await leave.getByRole("button", { name: "Cancel" }).click();
  await expect(leave).toBeHidden();
  await expect(page).toHaveURL(/\/routing$/);
  await expect(fast).toHaveText(["qwen-7b"]);
  await expect(page.getByTestId("routes-unsaved")).toBeVisible();

  // Asked again at the next Back; leaving goes where Back was going, with nothing written.
  await page.goBack();
  await expect(leave).toBeVisible();
  await leave.getByRole("button", { name: "Leave and discard" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Routing" })).toHaveCount(0);
  expect(fs.readFileSync(configFile, "utf8")).toBe(before);
});

test("the server's objection is shown beside the field that caused it, never as a line of the file", async ({ page, request }) => {
  const before = fs.readFileSync(configFile, "utf8");
  await page.goto("/routing");
  await expect(page.getByTestId("routing-cell-fast-standard")).toHaveText("qwen-7b", { timeout: 15_000 });
  // Removing the route the automatic route's deep side names: the server refuses, at routes.auto.auto.deep.
  await page.getByRole("button", { name: "Remove route reasoning" }).click();
  await page.getByRole("button", { name: "Review changes" }).click();
  const deep = page.getByLabel("Deep side of auto");
  await expect(deep).toHaveAttribute("aria-invalid", "true");
  const error = page.getByTestId("route-editor-auto").getByRole("alert");
  await expect(error).toContainText('unknown route "reasoning"');
  await expect(error).not.toContainText(/line \d/);
  await expect(page.getByRole("dialog")).toHaveCount(0);
  expect(fs.readFileSync(configFile, "utf8")).toBe(before);
  expect((await routesNow(request)).reasoning).toEqual(["qwen-14b", "qwen-32b"]);
});

test("backend limits: a bad one is refused beside its field; a good one shows its diff, then a confirmation", async ({ page, request }, testInfo) => {
  const before = fs.readFileSync(configFile, "utf8");
  try {
    await page.goto("/routing");
    const concurrency = page.getByLabel("Max concurrent requests for qwen-32b");
    await expect(concurrency).toHaveValue("16", { timeout: 15_000 });
    await concurrency.fill("0");
    await page.getByRole("button", { name: "Save limits of qwen-32b" }).click();
    await expect(page.getByTestId("limits-qwen-32b").getByRole("alert")).toContainText("maxConcurrency");
    await expect(concurrency).toHaveAttribute("aria-invalid", "true");
    expect((await (await request.get("/api/routes")).json()).data.backends["qwen-32b"].maxConcurrency).toBe(16);

    await concurrency.fill("12");
    await page.getByRole("button", { name: "Save limits of qwen-32b" }).click();
    const review = page.getByRole("dialog", { name: "Save the limits of qwen-32b?" });
    await expect(review.getByTestId("limits-diff-qwen-32b").locator("tr.diff-added")).toHaveText([/maxConcurrency: 12/]);
    await page.screenshot({ path: testInfo.outputPath("limits-diff-preview.png") });
    await review.getByRole("button", { name: "Save limits" }).click();
    await expect(page.getByTestId("limits-saved-qwen-32b")).toHaveText("Saved limits of qwen-32b: maxConcurrency 16 → 12");
    await expect(page.getByLabel("Max concurrent requests for qwen-32b")).toHaveValue("12");
    expect(fs.readFileSync(configFile, "utf8")).toBe(before.replace("    maxConcurrency: 16\n", "    maxConcurrency: 12\n"));
  } finally {
    await request.put("/api/backends/qwen-32b/limits", { data: { maxConcurrency: 16 }, headers: fromConsole });
  }
  expect(fs.readFileSync(configFile, "utf8")).toBe(before);
});
