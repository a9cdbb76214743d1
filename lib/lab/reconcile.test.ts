import { expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { reconcileContainers } from "./reconcile";
import { FakeRuntime, sleepLabYaml } from "./test-support";

function lab() {
  const config = parseLabConfig(sleepLabYaml);
  const runtime = new FakeRuntime((id) => config.backends[id]?.gpus ?? []);
  const adopted: string[] = [];
  const sleep = { engines: runtime.engines, adopt: (id: string, level: number) => adopted.push(`${id} ${level}`) };
  return { config, runtime, adopted, sleep };
}

test("start-up in deep: the standard engines found asleep stay asleep and are known as such; the 32B starts", async () => {
  const { config, runtime, adopted, sleep } = lab();
  for (const id of ["qwen-7b", "qwen-14b"]) {
    runtime.running.set(id, { readyAt: 0 });
    runtime.asleep.set(id, { level: 1, residueMiB: 500 });
  }
  const result = await reconcileContainers(config, "deep", runtime, sleep);
  expect(result).toMatchObject({ stopped: [], started: ["qwen-32b"], leftAsleep: ["qwen-7b", "qwen-14b"], woken: [], problems: [] });
  expect(adopted).toEqual(["qwen-7b 1", "qwen-14b 1"]);
  expect(runtime.running.has("qwen-7b")).toBe(true);
});

test("an awake engine of another mode is stopped, as without sleep mode", async () => {
  const { config, runtime, sleep } = lab();
  runtime.running.set("qwen-32b", { readyAt: 0 });
  const result = await reconcileContainers(config, "standard", runtime, sleep);
  expect(result.stopped).toEqual(["qwen-32b"]);
  expect(result.started).toEqual(["qwen-7b", "qwen-14b"]);
});

test("an engine of the mode found asleep (a switch interrupted after its sleep step) is woken; one that will not wake is restarted", async () => {
  const { config, runtime, sleep } = lab();
  for (const id of ["qwen-7b", "qwen-14b"]) {
    runtime.running.set(id, { readyAt: 0 });
    runtime.asleep.set(id, { level: 1, residueMiB: 500 });
  }
  runtime.wakeMs = 0;
  runtime.failWake.add("qwen-14b");
  const result = await reconcileContainers(config, "standard", runtime, sleep);
  expect(result.woken).toEqual(["qwen-7b"]);
  expect(result.stopped).toEqual(["qwen-14b"]);
  expect(result.started).toEqual(["qwen-14b"]);
  expect(runtime.asleep.size).toBe(0);
});

test("an engine of the mode found asleep whose config says level 2 is woken the level-2 way (its weights reloaded)", async () => {
  const config = parseLabConfig(sleepLabYaml.replaceAll("level: 1", "level: 2"));
  const runtime = new FakeRuntime((id) => config.backends[id]?.gpus ?? []);
  runtime.running.set("qwen-7b", { readyAt: 0 });
  runtime.running.set("qwen-14b", { readyAt: 0 });
  runtime.asleep.set("qwen-7b", { level: 2, residueMiB: 500 });
  runtime.wakeMs = 0;
  const result = await reconcileContainers(config, "standard", runtime, { engines: runtime.engines, adopt: () => undefined });
  expect(result.woken).toEqual(["qwen-7b"]);
  expect(runtime.sleepCalls).toEqual(["wake qwen-7b level 2"]);
});
