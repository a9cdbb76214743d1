import { expect, test, type Locator, type Page } from "@playwright/test";
import { loggedRequest } from "./support/lab";

// The playground: a chat goes through the gateway as the console, streams into the page, says which route and
// backend served it, copies as a curl that works, and is in the request log marked as the console's.

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

/** Records every length the pane's answer text had, from before the click (a sampler could miss the middle). */
async function recordAnswerLengths(page: Page, pane: string): Promise<() => Promise<number[]>> {
  await page.evaluate((paneTestId) => {
    const lengths: number[] = [];
    (window as unknown as { answerLengths: number[] }).answerLengths = lengths;
    const root = document.querySelector(`[data-testid="${paneTestId}"]`)!;
    new MutationObserver(() => {
      const answers = root.querySelectorAll('[data-testid="answer-text"]');
      const text = answers[answers.length - 1]?.textContent ?? "";
      if (text !== "…" && lengths[lengths.length - 1] !== text.length) lengths.push(text.length);
    }).observe(root, { subtree: true, childList: true, characterData: true });
  }, `playground-pane-${pane}`);
  return () => page.evaluate(() => (window as unknown as { answerLengths: number[] }).answerLengths);
}

async function logIdOfTurn(turn: Locator): Promise<string> {
  const href = await turn.getByTestId("open-in-log").getAttribute("href");
  const id = /^\/requests\/(\d+)$/.exec(href ?? "")?.[1];
  expect(id, `the log link ${href}`).toBeTruthy();
  return id!;
}

test("a playground chat streams, shows its route and backend, copies as curl, and opens in the request log as the console's", async ({ page, request }, testInfo) => {
  await page.goto("/playground");
  const pane = page.getByTestId("playground-pane-A");
  await expect(pane.getByLabel("Model for chat A")).toHaveValue("fast", { timeout: 15_000 });
  await page.getByLabel("System prompt").fill("You are terse.");
  // All of 150 tokens (ignore_eos) at the e2e lab's 80 tok/s: about two seconds of streaming.
  await page.getByLabel("Max tokens", { exact: true }).fill("150");
  await page.getByLabel("Full length (ignore_eos)").check();
  const lengths = await recordAnswerLengths(page, "A");
  await page.getByLabel("Prompt", { exact: true }).fill("Tell me about the lab");
  await page.getByRole("button", { name: "Send" }).click();

  const turn = pane.getByTestId("playground-turn").last();
  await expect(turn.getByTestId("turn-status")).toHaveText("streaming…", { timeout: 15_000 });
  await expect(turn).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  const finalText = (await turn.getByTestId("answer-text").textContent()) ?? "";
  expect(finalText.length).toBeGreaterThan(20);
  // The text grew while streaming: the page showed several partial answers before the whole one.
  const seen = await lengths();
  expect(seen.filter((n) => n > 0 && n < finalText.length).length, `answer lengths seen: ${seen.join(", ")}`).toBeGreaterThanOrEqual(3);
  expect(seen[seen.length - 1]).toBe(finalText.length);

  // Where it went and how fast, as the gateway says and the browser measured.
  await expect(turn.getByTestId("turn-route")).toHaveText("fast");
  await expect(turn.getByTestId("turn-backend")).toHaveText("qwen-7b");
  await expect(turn.getByTestId("turn-route-reason")).not.toHaveText("—");
  await expect(turn.getByTestId("turn-ttft")).toHaveText(/\d+(\.\d+)? m?s/);
  await expect(turn.getByTestId("turn-speed")).toHaveText(/tok\/s/);
  await expect(turn.getByTestId("turn-logged")).toContainText("served");
  await expect(turn.getByTestId("turn-logged")).toContainText("console playground");
  // One TTFT on the answer: the logged line does not show a second, slightly different one.
  await expect(turn.getByText(/TTFT/)).toHaveCount(1);

  // The curl an operator would run (this lab is auth: open, so no key), the same on the clipboard.
  await turn.getByText("curl", { exact: true }).click();
  const curl = (await turn.getByTestId("turn-curl").textContent()) ?? "";
  expect(curl).toContain(`${new URL(page.url()).origin}/v1/chat/completions`);
  expect(curl).toContain('"model":"fast"');
  expect(curl).toContain('"content":"You are terse."');
  expect(curl).toContain('"ignore_eos":true');
  expect(curl).not.toContain("Authorization");
  await turn.getByRole("button", { name: "Copy as curl" }).click();
  await expect(turn.getByRole("status")).toHaveText("Copied.");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(curl);
  await page.screenshot({ path: testInfo.outputPath("playground-chat.png"), fullPage: true });

  // In the log like any request, marked as the console's, and the log's key filter finds it.
  const logId = await logIdOfTurn(turn);
  expect(await loggedRequest(request, Number(logId))).toMatchObject({ outcome: "served", requestedModel: "fast", backend: "qwen-7b" });
  const consoleRows = ((await (await request.get("/api/requests?key=console&limit=50")).json()) as { data: { rows: { id: number; apiKeyName: string; stream: boolean }[] } }).data.rows;
  expect(consoleRows.find((row) => String(row.id) === logId)).toMatchObject({ apiKeyName: "console playground", stream: true });

  // "Open in the request log" shows that request.
  await turn.getByTestId("open-in-log").click();
  await expect(page).toHaveURL(new RegExp(`/requests/${logId}$`));
  const detail = page.getByRole("complementary", { name: "Request detail" });
  await expect(detail.getByTestId("request-detail-id")).toHaveText(logId);
  await expect(detail.getByTestId("request-detail-outcome")).toHaveText("served");
  await expect(detail).toContainText("console playground");
  await expect(detail).toContainText("qwen-7b");
  await page.screenshot({ path: testInfo.outputPath("playground-request-in-log.png"), fullPage: true });
});

test("two chats side by side answer the same prompt on fast and reasoning; Stop aborts both upstream", async ({ page, request }, testInfo) => {
  await page.goto("/playground");
  await expect(page.getByLabel("Model for chat A")).toHaveValue("fast", { timeout: 15_000 });
  await page.getByLabel("Two side by side").check();
  await expect(page.getByLabel("Model for chat B")).toHaveValue("reasoning");
  await page.getByLabel("Max tokens", { exact: true }).fill("40");
  await page.getByLabel("Prompt", { exact: true }).fill("Fast or deep?");
  await page.getByRole("button", { name: "Send" }).click();
  const turnA = page.getByTestId("playground-pane-A").getByTestId("playground-turn").last();
  const turnB = page.getByTestId("playground-pane-B").getByTestId("playground-turn").last();
  await expect(turnA).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  await expect(turnB).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  await expect(turnA.getByTestId("turn-backend")).toHaveText("qwen-7b");
  await expect(turnB.getByTestId("turn-backend")).toHaveText("qwen-14b");
  await expect(turnB.getByTestId("turn-route")).toHaveText("reasoning");
  await page.screenshot({ path: testInfo.outputPath("playground-side-by-side.png"), fullPage: true });

  // A long answer, stopped while it streams: both requests end as client aborts, long before they would have finished.
  await page.getByLabel("Max tokens", { exact: true }).fill("4000");
  await page.getByLabel("Full length (ignore_eos)").check();
  await page.getByLabel("Prompt", { exact: true }).fill("Go on at length");
  await page.getByRole("button", { name: "Send" }).click();
  const longA = page.getByTestId("playground-pane-A").getByTestId("playground-turn").last();
  const longB = page.getByTestId("playground-pane-B").getByTestId("playground-turn").last();
  await expect(longA).toHaveAttribute("data-status", "streaming", { timeout: 15_000 });
  await expect(longB).toHaveAttribute("data-status", "streaming", { timeout: 15_000 });
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(longA).toHaveAttribute("data-status", "stopped");
  await expect(longB).toHaveAttribute("data-status", "stopped");
  for (const turn of [longA, longB]) {
    const row = await loggedRequest(request, Number(await logIdOfTurn(turn)));
    expect(row.outcome).toBe("client_abort");
  }
});
