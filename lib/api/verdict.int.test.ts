import { afterAll, beforeAll, expect, test } from "vitest";
import type { SimulatedRuntime } from "@/lib/runtime/simulated";
import { startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { waitUntil } from "@/lib/testing/wait";
import type { HealthVerdict } from "./verdict";

/**
 * GET /api/verdict on the simulated lab, through the real route file: a SIGKILLed backend and the 503s its route
 * answers turn it red with the reasons; after the watchdog's restart the crash is listed as a recent problem.
 */
let app: AppHarness;

beforeAll(async () => {
  app = await startAppHarness();
  await waitUntil("a green verdict", async () => ((await verdict()).level === "green" ? true : undefined), 30_000);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

async function verdict(): Promise<HealthVerdict> {
  const response = await fetch(`${app.url}/api/verdict`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: HealthVerdict }).data;
}

const current = (v: HealthVerdict) => v.problems.filter((p) => p.current).map((p) => `${p.level} ${p.kind} ${p.backendId ?? "-"}`);

test("a healthy simulated lab is green and says its data is simulated", async () => {
  const green = await verdict();
  expect(green.summary).toBe("All 3 backends of standard serving, no errors to clients");
  expect(current(green)).toEqual(["info simulated -"]);
});

test("a killed backend is red with its reason, so are the 503s its route answers; after the watchdog's restart the crash is recent", async () => {
  // The watchdog would restart it within a second: held off, so the red state can be read at leisure.
  const off = await fetch(`${app.url}/api/backends/qwen-14b/watchdog`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ enabled: false }) });
  expect(off.status).toBe(200);
  expect((app.switchyard.runtime as SimulatedRuntime).kill("qwen-14b", "SIGKILL")).toBe(true);

  const down = await waitUntil("a red verdict naming qwen-14b", async () => {
    const v = await verdict();
    return v.level === "red" && v.problems.some((p) => p.current && p.kind === "backend_down") ? v : undefined;
  });
  expect(down.summary).toMatch(/^qwen-14b is down: container exited \(exit code 137\)$/);
  expect(down.problems.find((p) => p.kind === "backend_down")).toMatchObject({ backendId: "qwen-14b", requests: { backend: "qwen-14b", status: ["5xx"] }, labEvents: { backendId: "qwen-14b" } });

  // reasoning has no backend left in this mode: a fast 503, counted in the rollups as answered before any backend.
  const refused = await fetch(`${app.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "reasoning", max_tokens: 4, messages: [{ role: "user", content: "hi" }] }) });
  expect(refused.status).toBe(503);
  const errors = await waitUntil("the 503 in the verdict", async () => (await verdict()).problems.find((p) => p.kind === "server_errors"));
  expect(errors).toMatchObject({ id: "errors-none", level: "red", current: true, message: expect.stringMatching(/^1 request of 1 answered 5xx before reaching a backend/) });

  const on = await fetch(`${app.url}/api/backends/qwen-14b/watchdog`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ enabled: true }) });
  expect(on.status).toBe(200);
  const repaired = await waitUntil(
    "qwen-14b back after the watchdog's restart",
    async () => {
      const v = await verdict();
      return v.problems.some((p) => p.backendId === "qwen-14b" && p.current) ? undefined : v;
    },
    30_000,
  );
  // The 503 stays current for the rollup minutes it fell in; the crash is over and listed as recent.
  expect(current(repaired)).toEqual(["red server_errors -", "info simulated -"]);
  expect(repaired.problems.find((p) => !p.current && p.kind === "backend_crashed")).toMatchObject({ backendId: "qwen-14b", message: "qwen-14b exited with code 137" });
}, 60_000);
