import fs from "node:fs";
import { expect, test, type APIResponse } from "@playwright/test";

/** The running instance's copy of e2e/switchyard.e2e.yaml (playwright.config.ts); Switchyard reloads it when it changes. */
const configFile = ".tmp/e2e/switchyard.yaml";
const DEEP_ONLY = "qwen2.5-32b-instruct-awq";

test("a request for a deep-only model switches the lab on demand, an idle deep mode returns; the history says what triggered each", async ({ page, request }, testInfo) => {
  const original = fs.readFileSync(configFile, "utf8");
  try {
    // The operator turns on-demand switching on (no lab section in the e2e config: appended).
    fs.writeFileSync(configFile, `${original}\nlab:\n  onDemand: { enabled: true, idleSeconds: 0, minSecondsBetweenSwitches: 0, returnToDefaultAfterSeconds: 4 }\n`);
    await page.goto("/modes");
    await expect(page.getByTestId("current-mode")).toHaveText("standard", { timeout: 15_000 });

    // Until the change is loaded (within a second or two) the model is a plain 503; then the request switches and waits.
    let served: APIResponse | undefined;
    await expect
      .poll(
        async () => {
          served = await request.post("/v1/chat/completions", { data: { model: DEEP_ONLY, messages: [{ role: "user", content: "who?" }], max_tokens: 2 }, timeout: 60_000 });
          return served.status();
        },
        { timeout: 60_000, intervals: [500] },
      )
      .toBe(200);
    expect(served!.headers()["x-switchyard-backend"]).toBe("qwen-32b");
    const logId = served!.headers()["x-switchyard-log-id"];

    const history = page.getByTestId("switch-history");
    const onDemandRow = history.locator("tr", { hasText: "on_demand" }).first();
    await expect(onDemandRow).toContainText("standard → deep", { timeout: 15_000 });
    await expect(onDemandRow).toContainText(`request ${logId} for ${DEEP_ONLY} by an anonymous caller`);
    await expect(onDemandRow).toContainText("succeeded");

    // Four idle seconds later the lab goes home by itself.
    const returnRow = history.locator("tr", { hasText: "idle_return" }).first();
    await expect(returnRow).toContainText("deep → standard", { timeout: 45_000 });
    await expect(returnRow).toContainText(/mode deep idle for \d+ s \(lab\.onDemand\.returnToDefaultAfterSeconds: 4\)/);
    await expect(page.getByTestId("current-mode")).toHaveText("standard", { timeout: 30_000 });
    await page.screenshot({ path: testInfo.outputPath("modes-on-demand-history.png"), fullPage: true });
  } finally {
    fs.writeFileSync(configFile, original);
    // Leave the lab as found: standard mode, every backend ready.
    await expect.poll(async () => (await (await request.get("/api/status")).json()).data.operation, { timeout: 45_000 }).toBeNull();
    const status = (await (await request.get("/api/status")).json()).data;
    if (status.mode !== "standard") await request.post("/api/modes/standard/activate", { headers: { "x-switchyard-client": "console" } });
    await expect
      .poll(async () => (await (await request.get("/readyz")).json()).backends, { timeout: 45_000 })
      .toEqual({ "qwen-7b": "ready", "qwen-14b": "ready", embed: "ready" });
  }
});
