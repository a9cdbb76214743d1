import { expect, test } from "@playwright/test";

// Every page of the console, reached from the navigation the way an operator does: it is marked current, shows its
// heading, does not scroll sideways at a desktop width, and its screenshot is kept in the test output.

const pages = [
  { nav: "Overview", path: "/" },
  { nav: "GPUs", path: "/gpus" },
  { nav: "Routing", path: "/routing" },
  { nav: "Requests", path: "/requests" },
  { nav: "Usage", path: "/usage" },
  { nav: "Playground", path: "/playground" },
  { nav: "Backends", path: "/backends" },
  { nav: "Modes", path: "/modes" },
  { nav: "Keys", path: "/keys" },
  { nav: "Alerts", path: "/alerts" },
  { nav: "Audit", path: "/audit" },
] as const;

test.use({ viewport: { width: 1440, height: 900 } });

test("every console page opens from the navigation, is marked current and fits the width", async ({ page }, testInfo) => {
  await page.goto("/");
  const nav = page.getByRole("navigation", { name: "Console" });
  for (const { nav: label, path } of pages) {
    await nav.getByRole("link", { name: label, exact: true }).click();
    await expect(page).toHaveURL((url) => url.pathname === path);
    await expect(nav.getByRole("link", { name: label, exact: true })).toHaveAttribute("aria-current", "page");
    await expect(page.locator("main h1, main h2").first()).toBeVisible();
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(sideways, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: testInfo.outputPath(`page-${label.toLowerCase()}.png`), fullPage: true });
  }
});

test("every console page fits a phone's width too (390 px): nothing makes the page scroll sideways", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/");
  const nav = page.getByRole("navigation", { name: "Console" });
  for (const { nav: label, path } of pages) {
    await nav.getByRole("link", { name: label, exact: true }).click();
    await expect(page).toHaveURL((url) => url.pathname === path);
    await expect(page.locator("main h1, main h2").first()).toBeVisible();
    // The playground's model list arrives after its heading: its longest option once widened the page by 51 px.
    if (path === "/playground") await expect(page.getByLabel("Model for chat A")).toHaveValue(/.+/, { timeout: 15_000 });
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(sideways, `${path} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: testInfo.outputPath(`phone-${label.toLowerCase()}.png`), fullPage: true });
  }
});

test("a request's own page keeps the Requests section current", async ({ page, request }) => {
  const chat = await request.post("/v1/chat/completions", { data: { model: "fast", max_tokens: 4, messages: [{ role: "user", content: "hi" }] } });
  expect(chat.status()).toBe(200);
  const logId = chat.headers()["x-switchyard-log-id"];
  await expect.poll(async () => (await request.get(`/api/requests/${logId}`)).status(), { timeout: 10_000 }).toBe(200);
  await page.goto(`/requests/${logId}`);
  await expect(page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Requests", exact: true })).toHaveAttribute("aria-current", "page");

  // A request that is not in the log says so, and offers no "Try again" that could never work.
  await page.goto("/requests/999999999");
  await expect(page.getByRole("alert").filter({ hasText: "Cannot read this request" })).toContainText("no request with id 999999999");
  await expect(page.getByRole("button", { name: "Try again" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Back to the request log" })).toBeVisible();
});
