import { expect, test } from "vitest";
import { KeysCliError, parseKeysArgs } from "./keys-cli";

test("create takes the documented flags", () => {
  expect(parseKeysArgs(["create", "--name", "bot", "--models", "fast, reasoning,", "--concurrency", "4", "--rpm", "60", "--lane", "batch", "--expires", "30d"])).toEqual({
    command: "create",
    name: "bot",
    models: ["fast", "reasoning"],
    concurrency: 4,
    requestsPerMinute: 60,
    lane: "batch",
    expires: "30d",
    defaultModel: null,
    captureBodies: false,
  });
  expect(parseKeysArgs(["create", "--name=webui", "--default-model", "fast", "--capture-bodies"])).toMatchObject({
    models: [],
    concurrency: null,
    lane: "interactive",
    defaultModel: "fast",
    captureBodies: true,
  });
});

test("list and revoke", () => {
  expect(parseKeysArgs(["list"])).toEqual({ command: "list", json: false });
  expect(parseKeysArgs(["list", "--json"])).toEqual({ command: "list", json: true });
  expect(parseKeysArgs(["revoke", "sy-abcdefgh"])).toEqual({ command: "revoke", ref: "sy-abcdefgh" });
  expect(parseKeysArgs([])).toEqual({ command: "help" });
});

test.each([
  [["create"], /--name/],
  [["create", "--name", "  "], /--name/],
  [["create", "--name", "x", "--lane", "fast"], /--lane/],
  [["create", "--name", "x", "--concurrency", "0"], /--concurrency/],
  [["create", "--name", "x", "--rpm", "1.5"], /--rpm/],
  [["create", "--name", "x", "--modles", "fast"], /modles/],
  [["create", "--name", "x", "extra"], /positional/],
  [["revoke"], /exactly one/],
  [["revoke", "a", "b"], /exactly one/],
  [["rotate"], /Unknown command/],
])("%j is a usage error", (argv, message) => {
  expect(() => parseKeysArgs(argv)).toThrow(KeysCliError);
  expect(() => parseKeysArgs(argv)).toThrow(message);
});
