import { expect, test, type Page } from "@playwright/test";
import { simulatorPort } from "../playwright.config";

// The overview's verdict as an operator sees it: a backend killed as a crash would kill it turns the health strip red
// within seconds, with the reason, and the watchdog's restart turns it green again, the crash left in "recent
// problems". And the overview, at a desktop and a phone width, shows every value whole.

/** qwen-14b's simulator (e2e/switchyard.e2e.yaml's port 28002, moved by the slot). */
const qwen14b = `http://127.0.0.1:${simulatorPort(2)}`;

interface LevelChange {
  at: number;
  level: string | null;
  text: string;
}

/** Records every change of the strip's level (with its text) in the page, so a red that lasts one second is not missed between polls. */
async function recordLevels(page: Page): Promise<void> {
  await page.evaluate(() => {
    const changes: { at: number; level: string | null; text: string }[] = [];
    (window as unknown as { levelChanges: typeof changes }).levelChanges = changes;
    let last: string | null | undefined;
    const look = () => {
      const strip = document.querySelector('[data-testid="health-strip"]');
      const level = strip?.getAttribute("data-level") ?? null;
      if (level === last) return;
      last = level;
      changes.push({ at: Date.now(), level, text: strip?.textContent ?? "" });
    };
    look();
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

const levelChanges = (page: Page) => page.evaluate(() => (window as unknown as { levelChanges: LevelChange[] }).levelChanges);

test("a killed backend turns the health strip red within 3 s with the reason, and green again after the watchdog's restart", async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.goto("/");
  await expect(page.getByTestId("live-connection")).toHaveText("live", { timeout: 15_000 });
  const strip = page.getByTestId("health-strip");
  // Green to start with. Earlier specs may have left 5xx answers in the last two rollup minutes: they age out.
  await expect(strip).toHaveAttribute("data-level", "green", { timeout: 150_000 });
  await expect(page.getByTestId("health-summary")).toHaveText(/^All \d+ backends of standard serving, no errors to clients$/);
  await expect(page.getByTestId("health-notes")).toContainText("Simulated data");

  await recordLevels(page);
  const { pid } = (await (await fetch(`${qwen14b}/_sim/state`)).json()) as { pid: number };
  expect(pid).toBeGreaterThan(0);
  const killedAt = Date.now();
  process.kill(pid, "SIGKILL");

  // Red within 3 s, naming the backend: the container's exit is pushed to the console, which refetches the verdict.
  await expect
    .poll(async () => (await levelChanges(page)).find((change) => change.level === "red"), { timeout: 10_000, message: "the strip turns red" })
    .toBeTruthy();
  const red = (await levelChanges(page)).find((change) => change.level === "red")!;
  expect(red.at - killedAt, "milliseconds from the kill to a red strip").toBeLessThanOrEqual(3_000);
  expect(red.text).toContain("qwen-14b");
  await page.screenshot({ path: testInfo.outputPath("overview-health-red.png"), fullPage: true }).catch(() => undefined);

  // The watchdog restarts it: green again, and the crash stays listed under recent problems with its links.
  await expect(strip).toHaveAttribute("data-level", "green", { timeout: 60_000 });
  // The newest crash comes first (the alerts spec may have killed qwen-14b earlier in the same run).
  const crash = page.getByTestId("recent-problems").locator('[data-kind="backend_crashed"]').filter({ hasText: "qwen-14b exited with code 137" }).first();
  await expect(crash).toBeVisible({ timeout: 10_000 });
  await expect(crash.getByRole("link", { name: "failed requests" })).toHaveAttribute("href", /^\/requests\?range=custom&from=[^&]+&backend=qwen-14b&status=5xx$/);
  await expect(crash.getByRole("link", { name: "lab events" })).toHaveAttribute("href", "/backends#backend-qwen-14b-heading");
  const failedRequestsHref = (await crash.getByRole("link", { name: "failed requests" }).getAttribute("href")) ?? "";
  // Every change was recorded: it went green -> red -> (anything) -> green, and the red named the reason.
  const levels = (await levelChanges(page)).map((change) => change.level);
  expect(levels[0]).toBe("green");
  expect(levels.at(-1)).toBe("green");
  // The restart is recorded with the watchdog's reason, shown on the backend's card.
  await expect(page.getByTestId("backend-qwen-14b-last-restart")).toContainText("watchdog: container exited with code 137", { timeout: 10_000 });
  await page.screenshot({ path: testInfo.outputPath("overview-health-green-again.png"), fullPage: true });

  // The request link opens the log with those filters applied: the backend, 5xx, from when the problem began.
  await page.goto(failedRequestsHref);
  await expect(page.getByLabel("Backend")).toHaveValue("qwen-14b");
  await expect(page.getByLabel("Status")).toHaveValue("5xx");
});

/** Every element that shows text wider than its box (clipped, or hidden behind an ellipsis), and the page's own horizontal overflow. */
async function clippedTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const clipped: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>("body *")) {
      const ownText = [...el.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && (node.textContent ?? "").trim() !== "");
      if (!ownText || el.closest(".visually-hidden, [hidden], dialog:not([open])")) continue;
      const display = getComputedStyle(el).display;
      // An inline box has no width of its own: its overflow shows on the block that holds it.
      if (display === "inline" || display === "contents" || display === "none" || el.clientWidth === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1) clipped.push(`<${el.tagName.toLowerCase()} class="${el.className}"> "${(el.textContent ?? "").trim().slice(0, 60)}": ${el.scrollWidth} px in ${el.clientWidth} px`);
    }
    const page = document.documentElement;
    if (page.scrollWidth > window.innerWidth) clipped.push(`the page: ${page.scrollWidth} px wide in a ${window.innerWidth} px window`);
    return clipped;
  });
}

for (const [width, height, name] of [
  [1440, 1000, "desktop"],
  [390, 844, "phone"],
] as const) {
  test(`the overview at ${width} px (${name}) clips no value`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height });
    await page.goto("/");
    await expect(page.getByTestId("live-connection")).toHaveText("live", { timeout: 15_000 });
    for (const index of [0, 1]) await expect(page.getByTestId(`gpu-${index}-memory`)).toContainText("GiB", { timeout: 15_000 });
    await expect(page.getByTestId("health-strip")).toBeVisible();
    await expect(page.getByTestId("gateway-request-rate")).toHaveText(/\/min$/, { timeout: 15_000 });
    await expect(page.getByTestId("backend-qwen-7b-state")).toHaveText("ready", { timeout: 20_000 });
    // The check sees what the issue saw: a value cut short behind an ellipsis (a probe, removed at once).
    await page.evaluate(() => {
      const probe = Object.assign(document.createElement("div"), { id: "clip-probe", textContent: "20.5 GiB / 24.0 GiB" });
      probe.style.cssText = "width: 60px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis";
      document.querySelector("main")!.append(probe);
    });
    expect(await clippedTexts(page)).toEqual([expect.stringContaining('"20.5 GiB / 24.0 GiB": ')]);
    await page.evaluate(() => document.getElementById("clip-probe")!.remove());
    expect(await clippedTexts(page)).toEqual([]);
    // No chart is a tab stop: recharts' keyboard layer is off, the drawings are images with a label.
    expect(await page.locator("svg[tabindex='0'], .recharts-surface[tabindex='0']").count()).toBe(0);
    await page.screenshot({ path: testInfo.outputPath(`overview-${width}px.png`), fullPage: true });
  });
}

test("the favicon is served, not a 404", async ({ request }) => {
  const ico = await request.get("/favicon.ico");
  expect(ico.status()).toBe(200);
  expect((await ico.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
  const svg = await request.get("/favicon.svg");
  expect(svg.status()).toBe(200);
  expect(await svg.text()).toContain("<svg");
});
