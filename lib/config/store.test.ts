import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { createConfigStore, type ConfigStore } from "./store";

const config = (port: number) => `
runtime: none
backends:
  a: { url: "http://127.0.0.1:${port}", servedModel: model-a }
modes:
  only: { backends: [a] }
`;

let store: ConfigStore | undefined;
afterEach(() => store?.close());

function tempConfig(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-config-")), "switchyard.yaml");
  fs.writeFileSync(file, text);
  return file;
}

test("a valid change takes effect and is announced", () => {
  const file = tempConfig(config(9001));
  store = createConfigStore({ path: file, watchIntervalMs: 0 });
  const seen: string[] = [];
  store.onChange((next) => seen.push(next.backends.a?.url ?? ""));
  fs.writeFileSync(file, config(9002));
  expect(store.reload().backends.a?.url).toBe("http://127.0.0.1:9002");
  expect(seen).toEqual(["http://127.0.0.1:9002"]);
});

test("an invalid change keeps the last good config and reports why", () => {
  const file = tempConfig(config(9001));
  const reported: string[] = [];
  store = createConfigStore({ path: file, watchIntervalMs: 0 });
  store.onReloadError((e) => reported.push(e.message));
  fs.writeFileSync(file, config(9003).replace("servedModel: model-a", "servedModel: 12"));
  expect(store.reload().backends.a?.url).toBe("http://127.0.0.1:9001");
  expect(store.lastError()?.issues[0]?.path).toBe("backends.a.servedModel");
  expect(reported).toHaveLength(1);
  fs.writeFileSync(file, config(9004));
  expect(store.reload().backends.a?.url).toBe("http://127.0.0.1:9004");
  expect(store.lastError()).toBeNull();
});

test("the file watcher picks up a change without an explicit reload", async () => {
  const file = tempConfig(config(9001));
  store = createConfigStore({ path: file, watchIntervalMs: 20 });
  const changed = new Promise<string>((resolve) => store?.onChange((next) => resolve(next.backends.a?.url ?? "")));
  await new Promise((r) => setTimeout(r, 30));
  fs.writeFileSync(file, config(9005) + "\n# touched\n");
  await expect(changed).resolves.toBe("http://127.0.0.1:9005");
});

test("a missing file at start-up is an error, not a silent default", () => {
  expect(() => createConfigStore({ path: "/nonexistent/switchyard.yaml", watchIntervalMs: 0 })).toThrow(/cannot read the file/);
});
