import { expect, test, type APIRequestContext } from "@playwright/test";
import { loggedRequest } from "./support/lab";

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
  await response.body();
  // The page shows what the log holds when it opens: wait for the row, finished (it is written in batches).
  expect(await loggedRequest(request, id)).toMatchObject({ outcome: "served", requestedModel: "fast", backend: "qwen-7b" });

  await page.goto("/requests");
  const row = page.getByTestId(`request-row-${id}`);
  await expect(row).toBeVisible({ timeout: 15_000 });
  await expect(row).toContainText("fast");
  await expect(row).toContainText("qwen-7b");
  await row.getByRole("button", { name: `Show request ${id}` }).click();

  const detail = page.getByRole("complementary", { name: "Request detail" });
  await expect(detail).toBeVisible();
  await expect(detail.getByTestId("request-detail-id")).toHaveText(id);
  await expect(detail.getByTestId("request-detail-outcome")).toHaveText("served");
  await expect(detail).toContainText("route fast");
  // A streamed request has a first token: the waterfall shows all three phases.
  await expect(detail.getByRole("img", { name: /To first token .* Generating/ })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("requests-detail.png"), fullPage: true });
  await detail.getByRole("button", { name: "Close the request detail" }).click();
  await expect(detail).toHaveCount(0);
});

test("filtering the requests narrows the table, new requests arrive live, and the export follows the filters", async ({ page, request }) => {
  const stamp = Date.now();
  const fastId = `e2e-filter-fast-${stamp}`;
  const reasoningId = `e2e-filter-reasoning-${stamp}`;
  const unknownId = `e2e-filter-unknown-${stamp}`;
  expect((await chat(request, "fast", fastId)).status()).toBe(200);
  expect((await chat(request, "reasoning", reasoningId)).status()).toBe(200);
  expect((await chat(request, "no-such-model", unknownId)).status()).toBe(404);
  for (const id of [fastId, reasoningId, unknownId]) await loggedRequest(request, id);

  await page.goto("/requests");
  const table = page.getByTestId("requests-table");
  for (const id of [fastId, reasoningId, unknownId]) await expect(page.getByTestId(`request-row-${id}`)).toBeVisible({ timeout: 15_000 });
  const unfiltered = await table.locator("tbody tr").count();

  const filters = page.getByTestId("request-filters");
  await filters.getByLabel("Model").fill("reasoning");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByTestId(`request-row-${fastId}`)).toHaveCount(0);
  await expect(page.getByTestId(`request-row-${reasoningId}`)).toBeVisible();
  const modelCells = await table.locator("tbody tr td:nth-child(2)").allInnerTexts();
  expect(modelCells.length).toBeLessThan(unfiltered);
  for (const cell of modelCells) expect(cell).toMatch(/^reasoning/);

  // Status and outcome: only the unknown model's 404.
  await filters.getByLabel("Model").fill("");
  await filters.getByLabel("Status").fill("404");
  await filters.getByLabel("bad request").check();
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByTestId(`request-row-${unknownId}`)).toBeVisible();
  await expect(page.getByTestId(`request-row-${reasoningId}`)).toHaveCount(0);
  const exportHref = await page.getByTestId("export-csv").getAttribute("href");
  expect(exportHref).toContain("status=404");
  expect(exportHref).toContain("outcome=bad_request");
  const csv = await (await request.get(exportHref!)).text();
  expect(csv.split("\n")[0]).toContain("id,receivedAt");
  expect(csv).toContain(unknownId);
  expect(csv).not.toContain(fastId);

  // A bad filter value is explained, not sent.
  await filters.getByLabel("Status").fill("2xx");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(filters.getByRole("alert")).toContainText("Status must be HTTP codes");

  // Reset, then a request made now shows up in the live tail and (following) in the table.
  await filters.getByRole("button", { name: "Reset" }).click();
  await expect(page.getByTestId(`request-row-${fastId}`)).toBeVisible();
  const liveId = `e2e-live-${Date.now()}`;
  expect((await chat(request, "fast", liveId)).status()).toBe(200);
  await expect(page.getByTestId("live-tail").getByTestId(`live-request-${liveId}`)).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId(`request-row-${liveId}`)).toBeVisible({ timeout: 10_000 });
});

test("the log pages with Load more, without repeating a row", async ({ page, request }) => {
  // Enough short requests for more than one page of 50.
  const made: string[] = [];
  for (let batch = 0; batch < 4; batch++) {
    const batchIds = Array.from({ length: 15 }, (_, i) => `e2e-page-${Date.now()}-${batch}-${i}`);
    await Promise.all(batchIds.map((id) => chat(request, "fast", id, { max_tokens: 1 })));
    made.push(...batchIds);
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
