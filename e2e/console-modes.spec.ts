import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { expectStepsAnnounced, expectStepsRecorded, finishedOperation, MODE_SWITCH_STEPS, openLabEventStream, startedOperationId, type LabEventStream } from "./support/lab";

async function backendFor(request: APIRequestContext, model: string): Promise<string | undefined> {
  const response = await request.post("/v1/chat/completions", { data: { model, messages: [{ role: "user", content: "who?" }], max_tokens: 2 } });
  return response.headers()["x-switchyard-backend"];
}

/** Activates `mode` from the Modes page and follows the switch to its end; returns the operation's id. */
async function activate(page: Page, request: APIRequestContext, events: LabEventStream, from: string, mode: string): Promise<string> {
  await page.getByRole("button", { name: `Activate ${mode}` }).click();
  const dialog = page.getByRole("dialog", { name: `Activate ${mode} mode?` });
  await expect(dialog).toBeVisible();
  const accepted = page.waitForResponse((response) => response.request().method() === "POST" && new URL(response.url()).pathname === `/api/modes/${mode}/activate`);
  await dialog.getByRole("button", { name: `Activate ${mode}` }).click();
  const operationId = await startedOperationId(await accepted);
  await expect(dialog).toBeHidden();

  // The page follows the operation it started, to its end.
  const progress = page.getByTestId("operation-progress");
  await expect(progress).toBeVisible();
  await expect(progress).toHaveAttribute("data-operation-id", operationId);
  await expect(progress.getByTestId("operation-status")).toHaveText("succeeded", { timeout: 45_000 });
  for (const step of MODE_SWITCH_STEPS) {
    await expect(progress.getByTestId(`operation-step-${step}`)).toHaveAttribute("data-status", "succeeded");
  }
  await expect(page.getByTestId("current-mode")).toHaveText(mode);

  // Every step, the slow ones (waiting for GPU memory to free, for the engine to load) as well as the instant ones,
  // was pushed to the console as running and then as done while it ran, and recorded in order with its times. (What
  // the page rendered in between depends on how fast each step was, so it is not what this checks.)
  await expectStepsAnnounced(events, operationId, MODE_SWITCH_STEPS);
  const record = await finishedOperation(request, operationId);
  expectStepsRecorded(record, MODE_SWITCH_STEPS);
  expect(record).toMatchObject({ kind: "mode_switch", fromMode: from, toMode: mode, backendId: null, requestedBy: "console" });
  return operationId;
}

test("activating deep mode shows the steps live and ends with the 32B serving; then back to standard", async ({ page, request, baseURL }, testInfo) => {
  const events = await openLabEventStream(baseURL!);
  try {
    await page.goto("/modes");
    await expect(page.getByTestId("current-mode")).toHaveText("standard", { timeout: 15_000 });
    await expect(page.getByRole("button", { name: "Activate standard" })).toBeDisabled();
    // Every mode's card says how its backends are, the inactive one's too.
    await expect(page.getByTestId("mode-deep-backend-qwen-32b")).toHaveText("stopped");
    await expect(page.getByTestId("mode-standard-backend-qwen-7b")).toHaveText("ready");

    const toDeep = await activate(page, request, events, "standard", "deep");
    expect(await backendFor(request, "fast")).toBe("qwen-32b");
    await expect(page.getByTestId("mode-card-deep")).toContainText("active");
    await expect(page.getByTestId("mode-standard-backend-qwen-7b")).toHaveText("stopped");
    await page.screenshot({ path: testInfo.outputPath("modes-deep.png"), fullPage: true });

    await page.getByRole("button", { name: "Dismiss the operation" }).click();
    await expect(page.getByTestId("operation-progress")).toHaveCount(0);
    const toStandard = await activate(page, request, events, "deep", "standard");
    await expect.poll(() => backendFor(request, "fast"), { timeout: 15_000 }).toBe("qwen-7b");

    // Both switches are in the history, by the console, with their steps.
    const history = page.getByTestId("switch-history");
    const deepRow = history.getByTestId(`switch-row-${toDeep}`);
    await expect(deepRow).toContainText("standard → deep");
    await expect(deepRow).toContainText("console");
    await expect(deepRow).toContainText("succeeded");
    const standardRow = history.getByTestId(`switch-row-${toStandard}`);
    await expect(standardRow).toContainText("deep → standard");
    await expect(standardRow).toContainText("succeeded");
    const steps = standardRow.getByRole("button", { name: /^Steps/ });
    await expect(steps).toHaveText(`Steps (${MODE_SWITCH_STEPS.length})`);
    await steps.click();
    await expect(history.getByTestId("operation-step-switch_routing")).toHaveAttribute("data-status", "succeeded");
    await page.screenshot({ path: testInfo.outputPath("modes.png"), fullPage: true });
  } finally {
    events.close();
    // Leave the lab as found: standard mode, every backend ready (the gateway spec runs next).
    const status = (await (await request.get("/api/status")).json()).data;
    if (status.mode !== "standard" || status.operation) {
      await expect.poll(async () => (await (await request.get("/api/status")).json()).data.operation, { timeout: 30_000 }).toBeNull();
      await request.post("/api/modes/standard/activate", { headers: { "x-switchyard-client": "console" } });
    }
    await expect
      .poll(async () => (await (await request.get("/readyz")).json()).backends, { timeout: 30_000 })
      .toEqual({ "qwen-7b": "ready", "qwen-14b": "ready", embed: "ready" });
  }
});

test("a running switch says how long it usually takes and how long it has run, for the switch and its steps", async ({ page, request }, testInfo) => {
  const activateByApi = async (mode: string): Promise<string> => {
    const response = await request.post(`/api/modes/${mode}/activate`, { headers: { "x-switchyard-client": "console" } });
    expect(response.status()).toBe(202);
    return ((await response.json()) as { data: { operationId: string } }).data.operationId;
  };
  const switchTo = async (mode: string) => {
    expect((await finishedOperation(request, await activateByApi(mode))).status).toBe("succeeded");
  };
  // History for standard -> deep (the first test left one, but this test stands on its own).
  await switchTo("deep");
  await switchTo("standard");
  await expect
    .poll(async () => (await (await request.get("/readyz")).json()).backends, { timeout: 30_000 })
    .toEqual({ "qwen-7b": "ready", "qwen-14b": "ready", embed: "ready" });

  // A long answer on the 7B holds the next switch in its drain step for a few seconds: long enough to read the page.
  const holding = request.post("/v1/chat/completions", {
    data: { model: "fast", messages: [{ role: "user", content: "Tell a long story." }], max_tokens: 400, ignore_eos: true, stream: true },
    timeout: 60_000,
  });
  await expect.poll(async () => (await (await request.get("/api/status")).json()).data.backends.find((b: { id: string }) => b.id === "qwen-7b")?.inFlight, { timeout: 10_000 }).toBe(1);

  await page.goto("/modes");
  const operationId = await activateByApi("deep");
  const progress = page.getByTestId("operation-progress");
  await expect(progress).toHaveAttribute("data-operation-id", operationId);
  await expect(progress.getByTestId("operation-expectation")).toHaveText(/^usually [\d.]+ s, [\d.]+ s so far/);
  await expect(progress.getByTestId("operation-step-expectation-wait_ready")).toHaveText(/^usually (< )?[\d.]+ s$/);
  await expect(progress.getByTestId("operation-step-expectation-drain")).toHaveText(/^usually (< )?[\d.]+ s, [\d.]+ s so far/);
  await page.screenshot({ path: testInfo.outputPath("modes-expectation.png"), fullPage: true });

  expect((await holding).status()).toBe(200);
  expect((await finishedOperation(request, operationId)).status).toBe("succeeded");
  await switchTo("standard");
  await expect
    .poll(async () => (await (await request.get("/readyz")).json()).backends, { timeout: 30_000 })
    .toEqual({ "qwen-7b": "ready", "qwen-14b": "ready", embed: "ready" });
});
