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

  // What the gateway goes by: with `auth: keys` a revoked key gets 401 from the next request on.
  const revoked = await keyNamed(request, name);
  expect(revoked.status).toBe("revoked");
  expect(revoked.revokedAt).not.toBeNull();
  await page.screenshot({ path: testInfo.outputPath("keys-revoked.png"), fullPage: true });

  // The request made with the key: prompt capture is off in this lab, and the detail says so.
  const logId = logIdOf(chat);
  await loggedRequest(request, logId);
  await page.goto("/requests");
  await page.getByRole("button", { name: `Show request ${logId}` }).click({ timeout: 15_000 });
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
