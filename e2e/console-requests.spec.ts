import { expect, test, type APIRequestContext } from "@playwright/test";
import { loggedRequest, logIdOf } from "./support/lab";

// The request log in the console: a request made through the API shows up, opens, and filters narrow the table.

const hello = [{ role: "user", content: "Hello from the console suite" }];

async function chat(request: APIRequestContext, model: string, id: string, extra: Record<string, unknown> = {}) {
  return request.post("/v1/chat/completions", { headers: { "x-request-id": id }, data: { model, messages: hello, max_tokens: 12, ...extra } });
}

test("a chat request made through the API appears in the Requests page and its detail opens", async ({ page, request }, testInfo) => {
  const id = `e2e-console-${Date.now()}`;
  const response = await chat(request, "fast", id, { stream: true });
  expect(response.status()).toBe(200);
  expect(response.headers()["x-request-id"]).toBe(id);
  const logId = logIdOf(response);
  await response.body();
  // The page shows what the log holds when it opens: wait for the row, finished (it is written in batches).
  expect(await loggedRequest(request, logId)).toMatchObject({ clientRequestId: id, outcome: "served", requestedModel: "fast", backend: "qwen-7b" });

  await page.goto("/requests");
  const row = page.getByTestId(`request-row-${logId}`);
  await expect(row).toBeVisible({ timeout: 15_000 });
  // Model, route (the route's reason on hover), backend.
  await expect(row.getByRole("cell").nth(1)).toHaveText("fast stream");
  await expect(row.getByRole("cell").nth(2)).toHaveText("fast");
  await expect(row.getByRole("cell").nth(2)).toHaveAttribute("title", /^route fast; qwen-7b/);
  await expect(row.getByRole("cell").nth(3)).toHaveText("qwen-7b");
  const rowLink = row.getByRole("link", { name: `Show request ${logId}` });
  await expect(rowLink).toHaveAttribute("href", `/requests/${logId}`);
  await rowLink.click();

  const detail = page.getByRole("complementary", { name: "Request detail" });
  await expect(detail).toBeVisible();
  // The selected request is in the URL.
  await expect(page).toHaveURL(new RegExp(`[?&]request=${logId}(&|$)`));
  await expect(detail.getByTestId("request-detail-id")).toHaveText(String(logId));
  // The client's own x-request-id is kept on the row and shown with it.
  await expect(detail).toContainText(id);
  await expect(detail.getByTestId("request-detail-outcome")).toHaveText("served");
  await expect(detail).toContainText("route fast");
  // A streamed request has a first token: the waterfall shows all three phases.
  await expect(detail.getByRole("img", { name: /To first token .* Generating/ })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("requests-detail.png"), fullPage: true });
  await detail.getByRole("button", { name: "Close the request detail" }).click();
  await expect(detail).toHaveCount(0);
  await expect(page).not.toHaveURL(/[?&]request=/);

  // Back reopens it (the selection is history); Escape closes it and returns focus to its row.
  await page.goBack();
  await expect(detail.getByTestId("request-detail-id")).toHaveText(String(logId));
  await detail.getByRole("button", { name: "Close the request detail" }).focus();
  await page.keyboard.press("Escape");
  await expect(detail).toHaveCount(0);
  await expect(rowLink).toBeFocused();
  await expect(page).not.toHaveURL(/[?&]request=/);

  // A shared link opens the same view; the request also has a page of its own.
  await page.goto(`/requests?request=${logId}`);
  await expect(detail.getByTestId("request-detail-id")).toHaveText(String(logId));
  await page.goto(`/requests/${logId}`);
  await expect(page.getByTestId("request-detail-id")).toHaveText(String(logId));
  await expect(page.getByTestId("request-detail-outcome")).toHaveText("served");
});

test("filtering the requests narrows the table, new requests arrive live, and the export follows the filters", async ({ page, request }, testInfo) => {
  const stamp = Date.now();
  const fastId = `e2e-filter-fast-${stamp}`;
  const reasoningId = `e2e-filter-reasoning-${stamp}`;
  const unknownId = `e2e-filter-unknown-${stamp}`;
  const fast = await chat(request, "fast", fastId);
  const reasoning = await chat(request, "reasoning", reasoningId);
  const unknown = await chat(request, "no-such-model", unknownId);
  expect([fast.status(), reasoning.status(), unknown.status()]).toEqual([200, 200, 404]);
  // Rows are named by their log ids (x-switchyard-log-id); the client's x-request-ids are in the export.
  const [fastRow, reasoningRow, unknownRow] = [logIdOf(fast), logIdOf(reasoning), logIdOf(unknown)];
  for (const logId of [fastRow, reasoningRow, unknownRow]) await loggedRequest(request, logId);

  await page.goto("/requests");
  const table = page.getByTestId("requests-table");
  for (const logId of [fastRow, reasoningRow, unknownRow]) await expect(page.getByTestId(`request-row-${logId}`)).toBeVisible({ timeout: 15_000 });
  const unfiltered = await table.locator("tbody tr").count();

  const filters = page.getByTestId("request-filters");
  await filters.getByLabel("Model").fill("reasoning");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByTestId(`request-row-${fastRow}`)).toHaveCount(0);
  await expect(page.getByTestId(`request-row-${reasoningRow}`)).toBeVisible();
  const modelCells = await table.locator("tbody tr td:nth-child(2)").allInnerTexts();
  expect(modelCells.length).toBeLessThan(unfiltered);
  for (const cell of modelCells) expect(cell).toMatch(/^reasoning/);

  // The applied filters are in the URL: a reload (or a shared link) shows the same filtered view.
  await expect(page).toHaveURL(/[?&]model=reasoning(&|$)/);
  await page.reload();
  await expect(filters.getByLabel("Model")).toHaveValue("reasoning");
  await expect(page.getByTestId(`request-row-${reasoningRow}`)).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId(`request-row-${fastRow}`)).toHaveCount(0);

  // Status and outcome: only the unknown model's 404.
  await filters.getByLabel("Model").fill("");
  await filters.getByLabel("Status").fill("404");
  await filters.getByLabel("bad request").check();
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByTestId(`request-row-${unknownRow}`)).toBeVisible();
  await expect(page.getByTestId(`request-row-${reasoningRow}`)).toHaveCount(0);
  await expect(page).toHaveURL(/status=404/);
  await expect(page).toHaveURL(/outcome=bad_request/);
  await page.screenshot({ path: testInfo.outputPath("requests-filtered.png"), fullPage: true });
  // Back steps to the previous filters.
  await page.goBack();
  await expect(filters.getByLabel("Model")).toHaveValue("reasoning");
  await expect(filters.getByLabel("Status")).toHaveValue("");
  await page.goForward();
  await expect(filters.getByLabel("Status")).toHaveValue("404");
  await expect(filters.getByLabel("bad request")).toBeChecked();
  const exportHref = await page.getByTestId("export-csv").getAttribute("href");
  expect(exportHref).toContain("status=404");
  expect(exportHref).toContain("outcome=bad_request");
  const csv = await (await request.get(exportHref!)).text();
  expect(csv.split("\n")[0]).toContain("id,clientRequestId,receivedAt");
  expect(csv).toContain(unknownId);
  expect(csv).not.toContain(fastId);

  // A status class narrows as well: 4xx without the outcome box is still only the 404.
  await filters.getByLabel("bad request").uncheck();
  await filters.getByLabel("Status").fill("4xx");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByTestId(`request-row-${unknownRow}`)).toBeVisible();
  await expect(page.getByTestId(`request-row-${fastRow}`)).toHaveCount(0);

  // A bad filter value is explained, not sent.
  await filters.getByLabel("Status").fill("50x");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(filters.getByRole("alert")).toContainText("Status must be HTTP codes or classes");

  // Reset, then a request made now shows up in the live tail and (following) in the table.
  await filters.getByRole("button", { name: "Reset" }).click();
  await expect(page.getByTestId(`request-row-${fastRow}`)).toBeVisible();
  const live = await chat(request, "fast", `e2e-live-${Date.now()}`);
  expect(live.status()).toBe(200);
  const liveRow = logIdOf(live);
  await expect(page.getByTestId("live-tail").getByTestId(`live-request-${liveRow}`)).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId(`request-row-${liveRow}`)).toBeVisible({ timeout: 10_000 });
});

test("the log pages with Load more, without repeating a row", async ({ page, request }) => {
  // Enough short requests for more than one page of 50.
  const made: number[] = [];
  for (let batch = 0; batch < 4; batch++) {
    const batchIds = Array.from({ length: 15 }, (_, i) => `e2e-page-${Date.now()}-${batch}-${i}`);
    const responses = await Promise.all(batchIds.map((id) => chat(request, "fast", id, { max_tokens: 1 })));
    made.push(...responses.map(logIdOf));
  }
  // All of them in the log before the page loads its first page (nothing arrives live afterwards to fill a gap).
  for (const id of made) await loggedRequest(request, id);
  await page.goto("/requests");
  const rows = page.getByTestId("requests-table").locator("tbody tr");
  await expect(rows).toHaveCount(50, { timeout: 15_000 });
  await page.getByRole("button", { name: "Load more" }).click();
  await expect.poll(() => rows.count()).toBeGreaterThan(50);
  const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-testid")));
  expect(new Set(ids).size).toBe(ids.length);
});
