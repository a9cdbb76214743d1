import { expect, test, type APIRequestContext } from "@playwright/test";
import { loggedRequest, logIdOf } from "./support/lab";

// API keys from the console: create one (shown once), use it, revoke it. The e2e lab runs with `auth: open`,
// where /v1 does not check keys: the gateway's 401 for a revoked key is covered by lib/api/keys.int.test.ts and
// the security suite; here the revocation is checked where this lab can show it, the admin API's status fields.

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  allowedModels: string[] | null;
  status: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

async function keyNamed(request: APIRequestContext, name: string): Promise<KeyRow> {
  const response = await request.get("/api/keys");
  expect(response.status()).toBe(200);
  const rows = ((await response.json()) as { data: { rows: KeyRow[] } }).data.rows;
  const row = rows.find((r) => r.name === name);
  if (!row) throw new Error(`no key named ${name} in GET /api/keys`);
  return row;
}

test("a key created from the Keys page is shown once, works, and is revoked from the page", async ({ page, request }, testInfo) => {
  const name = `e2e notebook ${Date.now()}`;
  await page.goto("/keys");
  await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();
  await expect(page.getByTestId("keys-auth-open")).toContainText("does not check API keys");

  // Create: limited to `fast`, from the routing table's model names.
  const form = page.getByRole("form", { name: "Create an API key" });
  await form.getByRole("button", { name: "Create key" }).click();
  await expect(form.getByRole("alert")).toContainText("Name the key");
  await form.getByLabel("Name").fill(name);
  await form.getByRole("checkbox", { name: "fast", exact: true }).check();
  await form.getByLabel("Expires in").fill("30d");
  await form.getByRole("button", { name: "Create key" }).click();

  // The key, once, with the warning and a working Copy button.
  const dialog = page.getByRole("dialog", { name: `Key created: ${name}` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("You will not see it again");
  const key = await dialog.getByTestId("created-key-value").inputValue();
  expect(key).toMatch(/^sy-[a-z2-7]{8}-[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole("button", { name: "Copy" }).click();
  await expect(dialog.getByRole("status")).toHaveText("Copied to the clipboard.");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(key)).toHaveCount(0);
  await expect(page.locator(`input[value="${key}"]`)).toHaveCount(0);

  const created = await keyNamed(request, name);
  expect(created.prefix).toBe(key.slice(0, 11));
  expect(created.allowedModels).toEqual(["fast"]);
  expect(created.status).toBe("active");
  const row = page.getByTestId(`key-row-${created.id}`);
  await expect(row).toContainText(created.prefix);
  await expect(row.getByTestId(`key-models-${created.id}`)).toHaveText("fast");
  await expect(row.getByTestId(`key-status-${created.id}`)).toHaveText("active");
  await expect(row.getByTestId(`key-last-used-${created.id}`)).toHaveText("never");

  // The key in use.
  const requestId = `e2e-key-${Date.now()}`;
  const chat = await request.post("/v1/chat/completions", {
    headers: { authorization: `Bearer ${key}`, "x-request-id": requestId },
    data: { model: "fast", messages: [{ role: "user", content: "Hello with a key" }], max_tokens: 4 },
  });
  expect(chat.status()).toBe(200);
  // `auth: open` lets every request in without looking at its key, so nothing records the key's use: "last used"
  // stays "never" here (with `auth: keys` the authenticator touches it; lib/auth/api-keys.int.test.ts).
  await page.reload();
  await expect(row.getByTestId(`key-last-used-${created.id}`)).toHaveText("never");
  expect((await keyNamed(request, name)).lastUsedAt).toBeNull();
  await page.screenshot({ path: testInfo.outputPath("keys.png"), fullPage: true });

  // Revoke, after a confirmation; Cancel changes nothing.
  const revokeButton = row.getByRole("button", { name: `Revoke ${name} (${created.prefix})` });
  await revokeButton.click();
  const confirm = page.getByRole("dialog", { name: `Revoke ${name}?` });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toBeHidden();
  await expect(row.getByTestId(`key-status-${created.id}`)).toHaveText("active");
  await revokeButton.focus();
  await page.keyboard.press("Enter");
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(confirm).toBeHidden();
  await expect(row.getByTestId(`key-status-${created.id}`)).toHaveText("revoked");
  await expect(row.getByRole("button", { name: /^Revoke / })).toHaveCount(0);
  await expect(page.getByTestId("key-saved")).toHaveText(`Revoked ${name} (${created.prefix}…).`);

  // What the gateway goes by: with `auth: keys` a revoked key gets 401 from the next request on.
  const revoked = await keyNamed(request, name);
  expect(revoked.status).toBe("revoked");
  expect(revoked.revokedAt).not.toBeNull();
  await page.screenshot({ path: testInfo.outputPath("keys-revoked.png"), fullPage: true });

  // The request made with the key: prompt capture is off in this lab, and the detail says so.
  const logId = logIdOf(chat);
  await loggedRequest(request, logId);
  await page.goto("/requests");
  await page.getByRole("link", { name: `Show request ${logId}` }).click({ timeout: 15_000 });
  const detail = page.getByRole("complementary", { name: "Request detail" });
  await expect(detail.getByTestId("request-detail-request-body")).toHaveText("Request body: not captured");
  await expect(detail.getByTestId("request-detail-response-body")).toHaveText("Response body: not captured");
});

test("a refused key shows the server's message in the form", async ({ page }) => {
  await page.goto("/keys");
  const form = page.getByRole("form", { name: "Create an API key" });
  await form.getByLabel("Name").fill(`e2e bad expiry ${Date.now()}`);
  await form.getByLabel("Expires in").fill("next tuesday");
  await form.getByRole("button", { name: "Create key" }).click();
  await expect(form.getByTestId("create-key-error")).toContainText("neither a duration");
  await expect(page.getByRole("dialog")).toHaveCount(0);
});

test("a key's limit edited from the Keys page: prefilled form, errors beside their field, a confirmation, and the Audit page lists it", async ({ page, request }, testInfo) => {
  const name = `e2e edited ${Date.now()}`;
  const created = await request.post("/api/keys", { data: { name, requestsPerMinute: 60, allowedModels: ["fast"] }, headers: { "x-switchyard-client": "console" } });
  expect(created.status()).toBe(201);
  const { apiKey } = ((await created.json()) as { data: { apiKey: KeyRow } }).data;

  await page.goto("/keys");
  const row = page.getByTestId(`key-row-${apiKey.id}`);
  await expect(row.getByTestId(`key-rpm-${apiKey.id}`)).toHaveText("60");
  const editButton = row.getByRole("button", { name: `Edit ${name} (${apiKey.prefix})` });

  // The table is wider than a laptop's page: its actions stay in sight at its right edge, not scrolled out of it.
  const tableBox = await page.getByTestId("keys-table").locator("xpath=..").boundingBox();
  for (const button of [editButton, row.getByRole("button", { name: `Revoke ${name} (${apiKey.prefix})` })]) {
    const box = await button.boundingBox();
    expect(box!.x + box!.width, "the button's right edge is inside the table's visible part").toBeLessThanOrEqual(tableBox!.x + tableBox!.width);
  }

  // Prefilled with the key's settings; Escape closes without saving.
  await editButton.click();
  const dialog = page.getByRole("dialog", { name: `Edit ${name}` });
  await expect(dialog).toBeVisible();
  // Focus moves into the dialog, and goes back to the Edit button when it closes.
  await expect(dialog.getByLabel("Name", { exact: true })).toBeFocused();
  await expect(dialog.getByLabel("Name", { exact: true })).toHaveValue(name);
  await expect(dialog.getByLabel("Requests/min")).toHaveValue("60");
  await expect(dialog.getByRole("checkbox", { name: "fast", exact: true })).toBeChecked();
  await expect(dialog.getByLabel("Expires in")).toHaveValue("");
  await dialog.getByLabel("Requests/min").fill("1");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(editButton).toBeFocused();
  await expect(row.getByTestId(`key-rpm-${apiKey.id}`)).toHaveText("60");

  // The server's refusal is shown beside the field it names.
  await editButton.click();
  await expect(dialog.getByLabel("Requests/min")).toHaveValue("60");
  await dialog.getByLabel("Expires in").fill("next tuesday");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog.getByLabel("Expires in")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByRole("alert")).toContainText("neither a duration");
  await dialog.screenshot({ path: testInfo.outputPath("key-edit-dialog.png") });

  // Saved: the confirmation, the new value in the list, the same key.
  await dialog.getByLabel("Expires in").fill("");
  await dialog.getByLabel("Requests/min").fill("5");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("key-saved")).toHaveText(`Saved ${name}: requests/min 5.`);
  await expect(row.getByTestId(`key-rpm-${apiKey.id}`)).toHaveText("5");
  const edited = await keyNamed(request, name);
  expect(edited).toMatchObject({ id: apiKey.id, prefix: apiKey.prefix, status: "active" });
  await page.screenshot({ path: testInfo.outputPath("key-edited.png"), fullPage: true });

  // The audit trail: one entry, with only the changed field before and after, made from the console.
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  const entry = page.getByTestId("audit-list").locator("li", { hasText: `key ${name} (${apiKey.prefix}…) updated: requestsPerMinute 60 → 5` });
  await expect(entry).toHaveCount(1, { timeout: 10_000 });
  await expect(entry.getByTestId("audit-actor")).toContainText("from the console");
  await entry.getByText("Before and after").click();
  await expect(entry.getByTestId("audit-before")).toHaveText(JSON.stringify({ requestsPerMinute: 60 }, null, 2));
  await expect(entry.getByTestId("audit-after")).toHaveText(JSON.stringify({ requestsPerMinute: 5 }, null, 2));
  await page.screenshot({ path: testInfo.outputPath("key-edit-audit.png"), fullPage: true });
});
