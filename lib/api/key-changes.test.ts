import { describe, expect, test } from "vitest";
import { describeKeySettingsChange, keySettingsChange, type KeySettingsView } from "./key-changes";

const key: KeySettingsView = {
  name: "discord-bot",
  allowedModels: ["fast", "reasoning"],
  concurrency: 4,
  requestsPerMinute: 60,
  lane: "interactive",
  defaultModel: null,
  expiresAt: "2027-01-31T00:00:00.000Z",
  captureBodies: false,
};

describe("what an edit of a key changes", () => {
  test("only the fields that differ, with their values before and after", () => {
    const change = keySettingsChange(key, { name: "discord-bot", requestsPerMinute: 10, allowedModels: ["fast"], lane: "interactive" });
    expect(change).toEqual({
      fields: ["allowedModels", "requestsPerMinute"],
      before: { allowedModels: ["fast", "reasoning"], requestsPerMinute: 60 },
      after: { allowedModels: ["fast"], requestsPerMinute: 10 },
    });
    expect(describeKeySettingsChange(change)).toBe("allowedModels fast, reasoning → fast, requestsPerMinute 60 → 10");
  });

  test("the same values again, or nothing, change nothing", () => {
    expect(keySettingsChange(key, {}).fields).toEqual([]);
    expect(keySettingsChange(key, { ...key, allowedModels: ["fast", "reasoning"] }).fields).toEqual([]);
  });

  test("null (no limit, every model, never) is a change both ways, and the summary says what it means", () => {
    const lifted = keySettingsChange(key, { concurrency: null, allowedModels: null, expiresAt: null, defaultModel: "fast", captureBodies: true });
    expect(lifted.fields).toEqual(["allowedModels", "concurrency", "defaultModel", "expiresAt", "captureBodies"]);
    expect(describeKeySettingsChange(lifted)).toBe(
      "allowedModels fast, reasoning → every model, concurrency 4 → no cap, defaultModel none → fast, expiresAt 2027-01-31T00:00:00.000Z → never, captureBodies false → true",
    );
    const limited = keySettingsChange({ ...key, requestsPerMinute: null }, { requestsPerMinute: 5 });
    expect(describeKeySettingsChange(limited)).toBe("requestsPerMinute no limit → 5");
  });
});
