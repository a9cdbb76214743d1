import { expect, test } from "@playwright/test";
import { adminPassword, authPort } from "../playwright.config";

// The instance with SWITCHYARD_ADMIN_PASSWORD set: the console asks for it, and the admin API refuses without it.
test.use({ baseURL: `http://127.0.0.1:${authPort}` });

test("the console asks for the admin password, refuses a wrong one, and signs in and out", async ({ page, request }, testInfo) => {
  expect((await request.get("/api/status")).status()).toBe(401);

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in to Switchyard" })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("sign-in.png") });

  await page.getByLabel("Admin password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  // The form's own alert (Next's route announcer is an empty role="alert" too).
  await expect(page.getByRole("alert").filter({ hasText: "Wrong password." })).toBeVisible();

  await page.getByLabel("Admin password").fill(adminPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("current-mode")).toHaveText("standard");
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === "switchyard_session")).toMatchObject({ httpOnly: true, sameSite: "Strict" });

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Switchyard" })).toBeVisible();
});
