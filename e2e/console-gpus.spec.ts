import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { finishedOperation } from "./support/lab";

// The page draws some twenty charts; on a shared, loaded CI machine its first render alone can take many seconds.
test.describe.configure({ timeout: 120_000 });

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
  // The embedding model beside the 7B: its queue and KV cache, no first-token or generation charts (it generates nothing).
  const embed = page.getByTestId("gpu-history-0").getByTestId("engine-charts-embed");
  await expect(embed.getByTestId("engine-embed-chart-requests")).toBeVisible();
  await expect(embed.getByText("time to first token")).toHaveCount(0);
  await expect(embed.getByTestId("engine-embed-chart-generation")).toHaveCount(0);
  await expect(page.getByTestId("gpu-0-chart-power")).toContainText("limit 350 W");
  // Recharts draws lines once it has a size and data.
  await expect(page.getByTestId("gpu-0-chart-utilization").locator("path.recharts-curve")).toHaveCount(1, { timeout: 10_000 });
  await page.screenshot({ path: testInfo.outputPath("gpus-15m.png"), fullPage: true });

  // Counts have whole-number ticks: no "0.5 requests" on the engine's queue chart (the y axis's ticks end at the
  // axis; the x axis centres its ticks).
  const queueTicks = page.getByTestId("engine-qwen-7b-chart-requests").locator('.recharts-cartesian-axis-tick-value[text-anchor="end"]');
  await expect(queueTicks.first()).toBeVisible({ timeout: 15_000 });
  for (const tick of await queueTicks.allTextContents()) expect(tick).toMatch(/^\d+$/);

  // A tick with a long unit stays on one line: at 46 px Recharts broke "24 GiB" at its space, the "24" cut off on top.
  const memoryTicks = page.getByTestId("gpu-0-chart-memory").locator('.recharts-cartesian-axis-tick-value[text-anchor="end"]');
  await expect(memoryTicks.first()).toBeVisible({ timeout: 15_000 });
  for (const tick of await memoryTicks.all()) {
    await expect(tick).toHaveText(/^\d+(\.\d+)? GiB$/);
    await expect(tick.locator("tspan"), `the tick ${await tick.textContent()} is one line`).toHaveCount(1);
  }

  for (const range of ["1h", "24h", "7d"]) {
    await page.getByRole("button", { name: range, exact: true }).click();
    await expect(page.getByRole("button", { name: range, exact: true })).toHaveAttribute("aria-pressed", "true");
    await expect(page).toHaveURL(new RegExp(`[?&]range=${range}`));
    await expect(page.getByTestId("gpu-history-0")).toBeVisible();
  }
  await page.screenshot({ path: testInfo.outputPath("gpus-7d.png"), fullPage: true });
  // The range is in the URL: a reload (or a shared link) shows the same range; back returns to the previous one.
  await page.reload();
  await expect(page.getByRole("button", { name: "7d", exact: true })).toHaveAttribute("aria-pressed", "true");
  await page.goBack();
  await expect(page.getByRole("button", { name: "24h", exact: true })).toHaveAttribute("aria-pressed", "true");
});

/** What each chart of the page shows while the crosshair is on: its tooltip box (if any), crosshair, active dots, synced values. */
interface ChartHoverState {
  testId: string | null;
  title: string;
  figure: Box;
  tooltips: Box[];
  crosshairs: number;
  activeDots: number;
  syncedValues: Box[];
}
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function chartHoverStates(page: Page): Promise<ChartHoverState[]> {
  return page.evaluate(() => {
    const box = (element: Element) => {
      const r = element.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    const shown = (element: Element) => {
      const r = element.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(element).visibility !== "hidden";
    };
    return [...document.querySelectorAll("figure.chart")].map((figure) => ({
      testId: figure.getAttribute("data-testid"),
      title: figure.getAttribute("aria-label") ?? "",
      figure: box(figure),
      tooltips: [...figure.querySelectorAll(".recharts-tooltip-wrapper")].filter(shown).map(box),
      crosshairs: figure.querySelectorAll(".recharts-tooltip-cursor").length,
      activeDots: figure.querySelectorAll(".recharts-active-dot").length,
      syncedValues: [...figure.querySelectorAll(".chart-synced-values")].filter(shown).map(box),
    }));
  });
}

const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - 1 && inner.y >= outer.y - 1 && inner.x + inner.width <= outer.x + outer.width + 1 && inner.y + inner.height <= outer.y + outer.height + 1;
const intersect = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test("the shared crosshair: only the hovered chart shows a tooltip, the others their crosshair, dot and values inside their own plot", async ({ page, request }, testInfo) => {
  // A restart from the console: its marker's label is the longest a tooltip names, wider than a chart on this page.
  const restart = await request.post("/api/backends/qwen-7b/restart", { headers: { "x-switchyard-client": "console" } });
  expect(restart.status()).toBe(202);
  const { operationId } = ((await restart.json()) as { data: { operationId: string } }).data;
  expect((await finishedOperation(request, operationId)).status).toBe("succeeded");

  await page.goto("/gpus");
  const hovered = page.getByTestId("gpu-0-chart-utilization");
  await expect(hovered.locator("path.recharts-curve")).toHaveCount(1, { timeout: 15_000 });
  for (const chart of ["gpu-1-chart-utilization", "engine-qwen-7b-chart-requests", "engine-qwen-14b-chart-generation"]) {
    await expect(page.getByTestId(chart).locator("path.recharts-curve").first()).toBeAttached({ timeout: 15_000 });
  }
  // On the restart's marker, near the newest point, where every chart has data.
  const box = (await hovered.locator(".recharts-wrapper").boundingBox())!;
  const markers = hovered.locator(".chart-marker-restart");
  await expect(markers.first()).toBeAttached({ timeout: 15_000 });
  // The newest restart is the rightmost (earlier specs may have restarted it too).
  const centres = await markers.evaluateAll((all) => all.map((m) => m.getBoundingClientRect()).map((r) => r.x + r.width / 2));
  const markerX = Math.max(...centres);
  await page.mouse.move(markerX, box.y + box.height / 2);
  await expect(hovered.locator(".recharts-default-tooltip")).toBeVisible();
  await expect(hovered.locator(".recharts-default-tooltip")).toContainText("restart qwen-7b: requested by console");
  // The crosshair reaches the other GPU's charts (they share the page's crosshair).
  await expect.poll(async () => (await chartHoverStates(page)).filter((c) => c.testId?.startsWith("gpu-1-") && c.crosshairs > 0).length, { timeout: 10_000 }).toBe(4);
  const states = await chartHoverStates(page);
  await hovered.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath("gpus-shared-crosshair.png"), clip: { x: 0, y: Math.max(0, box.y - 200), width: page.viewportSize()!.width, height: 700 } });

  // One tooltip box on the page, the hovered chart's, inside that chart.
  expect(states.filter((c) => c.tooltips.length > 0).map((c) => c.title)).toEqual(["Utilization (%)"]);
  const own = states.find((c) => c.testId === "gpu-0-chart-utilization")!;
  expect(own.tooltips).toHaveLength(1);
  expect(inside(own.tooltips[0]!, own.figure), "the tooltip stays inside its chart").toBe(true);
  expect(own.syncedValues, "the hovered chart has the tooltip, not the compact values").toEqual([]);
  // Every other chart with the crosshair: no tooltip, an active dot on its line, its values inside its own figure; and
  // nothing of one chart over another.
  const others = states.filter((c) => c !== own && c.crosshairs > 0);
  expect(others.length).toBeGreaterThanOrEqual(11);
  for (const chart of others) {
    expect(chart.tooltips, chart.title).toEqual([]);
    // A GPU's samples have no gaps here (an engine's latency has none without traffic: no dot, "—").
    if (chart.testId?.startsWith("gpu-")) expect(chart.activeDots, chart.title).toBeGreaterThan(0);
    expect(chart.syncedValues, chart.title).toHaveLength(1);
    expect(inside(chart.syncedValues[0]!, chart.figure), `${chart.title}: its values stay inside it`).toBe(true);
  }
  const drawn = [...own.tooltips, ...others.flatMap((c) => c.syncedValues)];
  for (const [i, a] of drawn.entries()) for (const b of drawn.slice(i + 1)) expect(intersect(a, b)).toBe(false);
  // The values follow the crosshair: GPU 1's utilization shows a percentage.
  await expect(page.getByTestId("gpu-1-chart-utilization").locator(".chart-synced-values")).toHaveText(/^\d+ ?%$/);

  // Leaving the chart takes the crosshair off every chart.
  await page.mouse.move(0, 0);
  await expect.poll(async () => (await chartHoverStates(page)).filter((c) => c.crosshairs > 0 || c.tooltips.length > 0 || c.syncedValues.length > 0).length).toBe(0);
});

test("the GPUs page shows the live values at once, before the history arrives", async ({ page }, testInfo) => {
  // Hold the history back until the live values have been checked.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/gpus/history**", async (route) => {
    await released;
    await route.continue();
  });
  await page.goto("/gpus");
  for (const index of [0, 1]) {
    const live = page.getByTestId(`gpu-${index}-live`);
    await expect(live).toBeVisible({ timeout: 15_000 });
    await expect(live).toContainText(/Power\s*\d+ W \/ 350 W/);
    await expect(live).toContainText(/Memory\s*\d+\.\d\sGiB \/ 24\.0\sGiB/);
  }
  await expect(page.getByTestId("gpu-0-chart-utilization")).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("gpus-before-history.png"), fullPage: true });
  release();
  await expect(page.getByTestId("gpu-0-chart-utilization")).toBeVisible({ timeout: 15_000 });
});

async function activateMode(request: APIRequestContext, mode: string): Promise<string> {
  const response = await request.post(`/api/modes/${mode}/activate`, { headers: { "x-switchyard-client": "console" } });
  expect(response.status()).toBe(202);
  const operationId = ((await response.json()) as { data: { operationId: string } }).data.operationId;
  expect((await finishedOperation(request, operationId)).status).toBe("succeeded");
  return operationId;
}

test("a mode switch is marked on every chart, and the 32B's engine (on GPUs 0 and 1) is charted once", async ({ page, request }, testInfo) => {
  try {
    await activateMode(request, "deep");
    await page.goto("/gpus");
    const legend = page.getByTestId("chart-markers-legend");
    await expect(legend).toContainText("switch standard → deep (succeeded)", { timeout: 15_000 });
    for (const index of [0, 1]) {
      for (const chart of ["utilization", "memory", "power", "temperature"]) {
        await expect(page.getByTestId(`gpu-${index}-chart-${chart}`).locator(".chart-marker-switch").first()).toBeAttached({ timeout: 10_000 });
      }
    }
    // One engine, one set of charts: under GPU 0, and GPU 1 says where they are.
    await expect(page.getByTestId("engine-charts-qwen-32b")).toHaveCount(1);
    await expect(page.getByTestId("gpu-history-0").getByTestId("engine-charts-qwen-32b")).toBeVisible();
    await expect(page.getByTestId("gpu-history-1").getByTestId("engine-charted-elsewhere-qwen-32b")).toContainText("charted once, under GPU 0");
    await expect(page.getByTestId("engine-qwen-32b-chart-requests").locator(".chart-marker-switch").first()).toBeAttached();
    // The tooltip names the switch at the hovered time.
    const marker = page.getByTestId("gpu-0-chart-utilization").locator(".chart-marker-switch").first();
    const box = (await marker.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect(page.getByTestId("gpu-0-chart-utilization").locator(".recharts-tooltip-wrapper")).toContainText("standard → deep");
    await page.screenshot({ path: testInfo.outputPath("gpus-deep-markers.png"), fullPage: true });
  } finally {
    // Leave the lab as found: standard mode, every backend ready.
    await expect.poll(async () => (await (await request.get("/api/status")).json()).data.operation, { timeout: 30_000 }).toBeNull();
    const status = (await (await request.get("/api/status")).json()).data;
    if (status.mode !== "standard") await activateMode(request, "standard");
    await expect
      .poll(async () => (await (await request.get("/readyz")).json()).backends, { timeout: 30_000 })
      .toEqual({ "qwen-7b": "ready", "qwen-14b": "ready", embed: "ready" });
  }
});
