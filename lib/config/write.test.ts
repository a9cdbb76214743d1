import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { ConfigError } from "./parse";
import { setRoutes, updateConfigFile } from "./write";

const original = `# The lab config
runtime: none
backends:
  a: { url: "http://127.0.0.1:9001", servedModel: model-a }
  b: { url: "http://127.0.0.1:9002", servedModel: model-b } # the big one
modes:
  only: { backends: [a, b] }
routes:
  # quick answers
  fast: [a, b]
  slow: [b]
`;

function tempFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-write-")), "switchyard.yaml");
  fs.writeFileSync(file, original);
  return file;
}

test("changing one route keeps every comment and the other routes as written", () => {
  const file = tempFile();
  const config = updateConfigFile(file, (doc) => setRoutes(doc, { fast: ["b", "a"], slow: ["b"] }));
  expect(config.routes.fast).toEqual(["b", "a"]);
  const text = fs.readFileSync(file, "utf8");
  expect(text).toContain("# The lab config");
  expect(text).toContain("# quick answers");
  expect(text).toContain("# the big one");
  expect(text).toContain("fast: [ b, a ]");
  expect(text).toMatch(/slow: \[ ?b ?\]/);
});

test("an edit that makes the config invalid is refused and the file is untouched", () => {
  const file = tempFile();
  expect(() => updateConfigFile(file, (doc) => setRoutes(doc, { fast: ["nope"] }))).toThrow(ConfigError);
  expect(fs.readFileSync(file, "utf8")).toBe(original);
});

test("removed routes disappear and new ones are added", () => {
  const file = tempFile();
  const config = updateConfigFile(file, (doc) => setRoutes(doc, { fast: ["a"], extra: ["a", "b"] }));
  expect(Object.keys(config.routes)).toEqual(["fast", "extra"]);
});
