import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { planLimitsEdit, planRoutesEdit } from "./edits";
import { ConfigError } from "./parse";
import { updateConfigFile } from "./write";

const original = `# The lab config
runtime: none
backends:
  a: { url: "http://127.0.0.1:9001", servedModel: model-a }
  b: { url: "http://127.0.0.1:9002", servedModel: model-b } # the big one
modes:
  only: { backends: [a, b] }
routes:
  # quick answers
  fast: [a, b]     # aligned comment
  slow: [b]        # another one
`;

function tempFile(text = original): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-write-")), "switchyard.yaml");
  fs.writeFileSync(file, text);
  return file;
}

test("changing one route changes only that route's value: style, comments and their alignment stay", () => {
  const file = tempFile();
  const planned = updateConfigFile(file, (text) => planRoutesEdit(text, file, { fast: ["b", "a"], slow: ["b"] }));
  expect(planned.config.routes.fast).toEqual(["b", "a"]);
  expect(fs.readFileSync(file, "utf8")).toBe(original.replace("fast: [a, b]     #", "fast: [b, a]     #"));
  expect(planned.changes).toEqual([
    { kind: "route", target: "fast", action: "updated", before: ["a", "b"], after: ["b", "a"], beforeYaml: "  fast: [a, b]     # aligned comment", afterYaml: "  fast: [b, a]     # aligned comment" },
  ]);
  expect(planned.diff.filter((line) => line.kind !== "context")).toEqual([
    { kind: "removed", text: "  fast: [a, b]     # aligned comment", oldLine: 10 },
    { kind: "added", text: "  fast: [b, a]     # aligned comment", newLine: 10 },
  ]);
});

test("an edit that makes the config invalid is refused and the file is untouched", () => {
  const file = tempFile();
  let error: unknown;
  try {
    updateConfigFile(file, (text) => planRoutesEdit(text, file, { fast: ["nope"] }));
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).issues[0]).toMatchObject({ path: "routes.fast.0", message: expect.stringContaining('unknown backend "nope"') });
  expect(fs.readFileSync(file, "utf8")).toBe(original);
});

test("removed routes disappear with their line, new ones are added after the last in the file's style", () => {
  const file = tempFile();
  const planned = updateConfigFile(file, (text) => planRoutesEdit(text, file, { fast: ["a", "b"], extra: ["a", "b"] }));
  expect(Object.keys(planned.config.routes)).toEqual(["fast", "extra"]);
  expect(fs.readFileSync(file, "utf8")).toBe(original.replace("  slow: [b]        # another one\n", "  extra: [a, b]\n"));
  expect(planned.changes.map((c) => `${c.target} ${c.action}`)).toEqual(["slow deleted", "extra created"]);
});

test("a limit is set inside a one-line backend map without exploding it; an unchanged edit writes nothing", () => {
  const file = tempFile();
  const stat = fs.statSync(file);
  const same = updateConfigFile(file, (text) => planLimitsEdit(text, file, "a", { maxConcurrency: 32 }));
  expect(same.changes).toEqual([]);
  expect(fs.statSync(file).mtimeMs).toBe(stat.mtimeMs);
  const planned = updateConfigFile(file, (text) => planLimitsEdit(text, file, "b", { maxConcurrency: 4, maxQueue: 10 }));
  expect(planned.config.backends.b).toMatchObject({ maxConcurrency: 4, maxQueue: 10 });
  expect(fs.readFileSync(file, "utf8")).toBe(
    original.replace('servedModel: model-b } # the big one', "servedModel: model-b, maxConcurrency: 4, maxQueue: 10 } # the big one"),
  );
});

test("block lists stay block lists, CRLF stays CRLF, an automatic route changes only the threshold edited", () => {
  const text = [
    "runtime: none",
    "backends:",
    "  a:",
    '    url: "http://127.0.0.1:9001"',
    "    servedModel: model-a",
    "    maxConcurrency: 8   # kept low",
    "  b: { url: 'http://127.0.0.1:9002', servedModel: model-b }",
    "modes:",
    "  only:",
    "    backends: [a, b]",
    "routes:",
    "  fast:",
    "    - a",
    "    - b",
    "  deep: [ b ]",
    "  auto:",
    "    auto: { fast: fast, deep: deep }",
    "",
  ].join("\r\n");
  const file = tempFile(text);
  updateConfigFile(file, (t) =>
    planRoutesEdit(t, file, { fast: ["b"], deep: ["b", "a"], auto: { auto: { fast: "fast", deep: "deep", longPromptTokens: 1000, spillQueueDepth: 8 } } }),
  );
  updateConfigFile(file, (t) => planLimitsEdit(t, file, "a", { maxConcurrency: 12 }));
  expect(fs.readFileSync(file, "utf8")).toBe(
    text
      .replace("    - a\r\n    - b\r\n", "    - b\r\n")
      .replace("deep: [ b ]", "deep: [ b, a ]")
      .replace("{ fast: fast, deep: deep }", "{ fast: fast, deep: deep, longPromptTokens: 1000 }")
      .replace("maxConcurrency: 8   #", "maxConcurrency: 12   #"),
  );
});

test("an anchored list that another route aliases: the alias keeps its old value", () => {
  const text = `runtime: none
backends:
  a: { url: "http://127.0.0.1:9001", servedModel: model-a }
  b: { url: "http://127.0.0.1:9002", servedModel: model-b }
modes:
  only: { backends: [a, b] }
routes:
  fast: &pair [a, b]
  also: *pair
`;
  const file = tempFile(text);
  const planned = updateConfigFile(file, (t) => planRoutesEdit(t, file, { fast: ["b"], also: ["a", "b"] }));
  expect(planned.config.routes).toEqual({ fast: ["b"], also: ["a", "b"] });
  expect(fs.readFileSync(file, "utf8")).toBe(text.replace("&pair [a, b]", "&pair [b]").replace("also: *pair", "also: [a, b]"));
});
