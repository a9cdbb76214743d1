import { afterAll, beforeAll, expect, test } from "vitest";
import { spawnSimulator, type SimulatorProcess } from "@/lib/sim/spawn";
import { startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import type { LabStatus } from "@/lib/api/status";

/**
 * `runtime: docker` with no engine behind DOCKER_HOST: Switchyard must start anyway, say so in the API, and keep
 * serving the backends that are running (here simulators started by hand, as vLLM containers would still be).
 */
let app: AppHarness;
const sims: SimulatorProcess[] = [];

beforeAll(async () => {
  for (const [servedModel] of [["qwen2.5-7b-instruct"], ["qwen2.5-14b-instruct-awq"]] as const) {
    sims.push(await spawnSimulator({ servedModel, ttftMs: 5, tokensPerSecond: 200 }));
  }
  app = await startAppHarness({
    dockerHost: "unix:///nonexistent/docker.sock",
    yaml: () => `
runtime: docker
gpuTelemetry: none
auth: open
backends:
  qwen-7b: { url: "${sims[0]!.url}", container: vllm-qwen-7b, servedModel: qwen2.5-7b-instruct, gpus: [0] }
  qwen-14b: { url: "${sims[1]!.url}", container: vllm-qwen-14b, servedModel: qwen2.5-14b-instruct-awq, gpus: [1] }
modes:
  standard: { backends: [qwen-7b, qwen-14b], default: true }
routes:
  fast: [qwen-7b]
`,
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  for (const sim of sims) await sim.stop();
});

test("an unreachable container runtime is reported clearly and the gateway keeps serving what runs", async () => {
  const status = ((await (await fetch(`${app.url}/api/status`)).json()) as { data: LabStatus }).data;
  expect(status.runtime.reachable).toBe(false);
  expect(status.runtime.error).toMatch(/nonexistent\/docker\.sock/);
  const response = await fetch(`${app.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "fast", max_tokens: 4, messages: [{ role: "user", content: "hi" }] }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("x-switchyard-backend")).toBe("qwen-7b");
  const events = (await (await fetch(`${app.url}/api/lab-events?kind=runtime`)).json()) as { data: { rows: { message: string }[] } };
  expect(events.data.rows[0]?.message).toContain("container runtime unreachable");
  const restart = await fetch(`${app.url}/api/backends/qwen-7b/restart`, { method: "POST" });
  expect(restart.status).toBe(503);
  expect(((await restart.json()) as { error: { message: string } }).error.message).toContain("container runtime is unreachable");
});
