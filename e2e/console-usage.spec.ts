import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import type { UsageReportJson } from "@/lib/api/requests";
import { loggedRequest, logIdOf } from "./support/lab";

// The usage page: after requests through /v1, its totals table shows exactly what GET /api/usage returns for the
// same window and grouping (both read the request log's rollups), per group and for the whole lab.

type Totals = UsageReportJson["totals"][number];
const COUNTED = ["requests", "status4xx", "status5xx", "failedStreams", "promptTokens", "completionTokens"] as const;

async function chat(request: APIRequestContext, model: string, maxTokens: number) {
  return request.post("/v1/chat/completions", { data: { model, messages: [{ role: "user", content: "Usage, please" }], max_tokens: maxTokens } });
}

/** The table's rows as the page shows them: each group's counts (as displayed) and energy (its raw figure). */
async function shownTotals(page: Page) {
  const table = page.getByTestId("usage-totals");
  return table.evaluate((element) => {
    const read = (row: Element) => {
      const cells = Object.fromEntries([...row.querySelectorAll("td[data-field]")].map((td) => [td.getAttribute("data-field"), { text: td.textContent ?? "", value: td.getAttribute("data-value") }]));
      return { group: row.getAttribute("data-group"), label: row.querySelector("th")?.textContent ?? "", cells };
    };
    return {
      from: element.getAttribute("data-from")!,
      to: element.getAttribute("data-to")!,
      bucketMs: Number(element.getAttribute("data-bucket-ms")),
      groupBy: element.getAttribute("data-group-by")!,
      rows: [...element.querySelectorAll("tbody tr")].map(read),
      all: [...element.querySelectorAll("tfoot tr")].map(read)[0] ?? null,
    };
  });
}

type Shown = Awaited<ReturnType<typeof shownTotals>>;

async function apiUsage(request: APIRequestContext, shown: Shown, grouped: boolean): Promise<UsageReportJson> {
  const query = new URLSearchParams({ from: shown.from, to: shown.to, bucketMinutes: String(shown.bucketMs / 60_000), ...(grouped ? { groupBy: shown.groupBy } : {}) });
  const response = await request.get(`/api/usage?${query.toString()}`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { data: UsageReportJson }).data;
}

/** Each displayed count equals the API's figure (the page formats with thousands separators), energy to the last digit. */
function expectRowMatches(shown: Shown["rows"][number], total: Totals, what: string) {
  for (const field of COUNTED) expect(Number(shown.cells[field]?.text.replace(/,/g, "")), `${what}: ${field}`).toBe(total[field]);
  expect(Number(shown.cells.energyWh?.value), `${what}: energy`).toBeCloseTo(total.energyWh, 9);
}

async function expectTableEqualsApi(page: Page, request: APIRequestContext, groupBy: string) {
  await expect(page.getByTestId("usage-totals")).toHaveAttribute("data-group-by", groupBy, { timeout: 15_000 });
  const shown = await shownTotals(page);
  const grouped = await apiUsage(request, shown, true);
  expect(grouped.groupBy).toBe(groupBy);
  // The same groups, in the API's order (most requests first), each with the API's figures.
  expect(shown.rows.map((row) => row.group)).toEqual(grouped.totals.map((total) => total.group ?? ""));
  shown.rows.forEach((row, i) => expectRowMatches(row, grouped.totals[i]!, `${groupBy} ${row.group}`));
  // The footer is the whole lab, from the ungrouped report.
  const lab = await apiUsage(request, shown, false);
  expect(shown.all).not.toBeNull();
  expectRowMatches(shown.all!, lab.totals[0]!, "all requests");
  return { shown, grouped, lab };
}

test("the usage page's totals equal /api/usage's for the same window and grouping, by model, by route and over a week", async ({ page, request }, testInfo) => {
  const answers = [await chat(request, "fast", 6), await chat(request, "fast", 4), await chat(request, "reasoning", 5), await chat(request, "no-such-model", 3)];
  expect(answers.map((a) => a.status())).toEqual([200, 200, 200, 404]);
  // The page shows what the rollups hold when it loads: wait until every row (and so its rollup) is written.
  for (const answer of answers) await loggedRequest(request, logIdOf(answer));

  await page.goto("/usage?range=24h&groupBy=requestedModel");
  await expect(page.getByRole("heading", { name: "Usage", level: 1 })).toBeVisible();
  const byModel = await expectTableEqualsApi(page, request, "requestedModel");
  // What this test sent is in there: at least its requests per model, the unknown model as a 4xx.
  expect(byModel.grouped.totals.find((t) => t.group === "fast")?.requests).toBeGreaterThanOrEqual(2);
  expect(byModel.grouped.totals.find((t) => t.group === "no-such-model")?.status4xx).toBeGreaterThanOrEqual(1);
  expect(byModel.lab.totals[0]!.energyWh).toBeGreaterThan(0);
  // With a price in the config, the cost column is there.
  await expect(page.getByTestId("usage-total-all").locator('td[data-field="cost"]')).toContainText("EUR");
  await expect(page.getByTestId("usage-charts").getByRole("figure")).toHaveCount(5);
  await page.screenshot({ path: testInfo.outputPath("usage-by-model.png"), fullPage: true });

  // Another grouping from the selector: the URL keeps it, and the table still equals the API.
  await page.getByTestId("usage-group-by").selectOption("route");
  await expect(page).toHaveURL(/groupBy=route/);
  const byRoute = await expectTableEqualsApi(page, request, "route");
  // The unknown model was never routed: its group is the empty route, shown as such.
  const unrouted = byRoute.shown.rows.find((row) => row.group === "");
  expect(unrouted?.label).toBe("not routed");

  // A week: coarser buckets, same totals as the API's for that window.
  await page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "7d" }).click();
  await expect(page).toHaveURL(/range=7d/);
  await expect(page.getByTestId("usage-totals")).toHaveAttribute("data-bucket-ms", String(3_600_000));
  await expectTableEqualsApi(page, request, "route");

  // Reloading keeps the view (the range and grouping are in the URL).
  await page.reload();
  await expect(page.getByTestId("usage-group-by")).toHaveValue("route");
  await expect(page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "7d" })).toHaveAttribute("aria-pressed", "true");
  await page.screenshot({ path: testInfo.outputPath("usage-by-route-7d.png"), fullPage: true });
});

test("the usage charts mark a restart like the GPU page does, and share one crosshair", async ({ page, request }) => {
  const restart = await request.post("/api/backends/embed/restart");
  expect(restart.status()).toBe(202);
  const { operationId } = ((await restart.json()) as { data: { operationId: string } }).data;
  await expect
    .poll(async () => ((await (await request.get(`/api/modes/switches/${operationId}`)).json()) as { data: { status: string } }).data.status, { timeout: 30_000 })
    .toBe("succeeded");
  await page.goto("/usage?range=1h");
  const requestsChart = page.getByTestId("usage-charts").locator("figure").first();
  await expect(requestsChart).not.toHaveAttribute("data-markers", "0", { timeout: 15_000 });
  // Hovering one chart shows the crosshair on the others too, with their values; the tooltip box only on the hovered one.
  const box = (await requestsChart.locator(".recharts-wrapper").boundingBox())!;
  await page.mouse.move(box.x + box.width - 12, box.y + box.height / 2);
  await expect.poll(async () => page.getByTestId("usage-charts").locator(".recharts-tooltip-cursor").count()).toBeGreaterThan(1);
  await expect(page.getByTestId("usage-charts").locator(".chart-synced-values").first()).toBeVisible();
  await expect(page.getByTestId("usage-charts").locator(".recharts-default-tooltip:visible")).toHaveCount(1);
  await expect(requestsChart.locator(".recharts-default-tooltip")).toBeVisible();
});
