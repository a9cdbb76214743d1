import { describe, expect, test } from "vitest";
import type { ApiKeyView } from "@/components/hooks/api-types";
import { describeKeyEdit, draftOfKey, EMPTY_KEY_FORM, keyFieldErrorsFrom, parseKeyEdit, parseKeyForm, parseOptionalLimit } from "./key-form";

describe("the create-key form", () => {
  test("an untouched form with a name asks for a key on every model, no limits, no expiry", () => {
    expect(parseKeyForm({ ...EMPTY_KEY_FORM, name: "  notebook  " })).toEqual({
      ok: true,
      body: { name: "notebook", allowedModels: [], lane: "interactive", concurrency: null, requestsPerMinute: null, captureBodies: false },
    });
  });

  test("every field reaches the body", () => {
    const result = parseKeyForm({
      name: "batch jobs",
      allowedModels: ["fast", "reasoning", "fast"],
      lane: "batch",
      concurrency: " 4 ",
      requestsPerMinute: "600",
      defaultModel: "fast",
      expiresIn: " 30d ",
      captureBodies: true,
    });
    expect(result).toEqual({
      ok: true,
      body: { name: "batch jobs", allowedModels: ["fast", "reasoning"], lane: "batch", concurrency: 4, requestsPerMinute: 600, defaultModel: "fast", expiresIn: "30d", captureBodies: true },
    });
  });

  test("mistakes are reported per field and nothing is sent", () => {
    const result = parseKeyForm({ ...EMPTY_KEY_FORM, name: " ", concurrency: "0", requestsPerMinute: "1.5" });
    expect(result.ok).toBe(false);
    expect(!result.ok && Object.keys(result.errors).sort()).toEqual(["concurrency", "name", "requestsPerMinute"]);
  });

  test("the expiry is passed as typed, for the server to judge", () => {
    expect(parseKeyForm({ ...EMPTY_KEY_FORM, name: "k", expiresIn: "next tuesday" })).toMatchObject({ ok: true, body: { expiresIn: "next tuesday" } });
  });
});

describe("optional limits", () => {
  test("empty means none; only whole numbers above zero count", () => {
    expect(parseOptionalLimit("")).toBeNull();
    expect(parseOptionalLimit("  ")).toBeNull();
    expect(parseOptionalLimit("12")).toBe(12);
    for (const bad of ["0", "-3", "2.5", "1e3", "ten", "99999999999999999999"]) expect(parseOptionalLimit(bad)).toBeUndefined();
  });
});

const key: ApiKeyView = {
  id: "k1",
  name: "discord-bot",
  prefix: "sy-abcdefgh",
  allowedModels: ["fast", "reasoning"],
  concurrency: 4,
  requestsPerMinute: 60,
  lane: "interactive",
  defaultModel: null,
  expiresAt: "2027-01-31T18:05:42.123Z",
  revokedAt: null,
  lastUsedAt: null,
  createdAt: "2026-12-01T00:00:00.000Z",
  captureBodies: false,
  status: "active",
};

describe("the edit-key form", () => {
  test("is prefilled with the key's settings, the expiry to the minute in a form the server reads", () => {
    expect(draftOfKey(key)).toEqual({
      name: "discord-bot",
      allowedModels: ["fast", "reasoning"],
      lane: "interactive",
      concurrency: "4",
      requestsPerMinute: "60",
      defaultModel: "",
      expiresIn: "2027-01-31T18:05Z",
      captureBodies: false,
    });
    expect(draftOfKey({ ...key, allowedModels: null, concurrency: null, expiresAt: null })).toMatchObject({ allowedModels: [], concurrency: "", expiresIn: "" });
  });

  test("sends only what changed; untouched, it sends nothing", () => {
    const initial = draftOfKey(key);
    expect(parseKeyEdit(initial, initial)).toEqual({ ok: true, body: {} });
    expect(parseKeyEdit(initial, { ...initial, allowedModels: ["reasoning", "fast"] })).toEqual({ ok: true, body: {} });
    expect(parseKeyEdit(initial, { ...initial, requestsPerMinute: " 10 ", allowedModels: ["fast"], lane: "batch" })).toEqual({
      ok: true,
      body: { requestsPerMinute: 10, allowedModels: ["fast"], lane: "batch" },
    });
    expect(parseKeyEdit(initial, { ...initial, concurrency: "", defaultModel: "fast", captureBodies: true, name: "bot" })).toEqual({
      ok: true,
      body: { name: "bot", concurrency: null, defaultModel: "fast", captureBodies: true },
    });
  });

  test("an emptied expiry is never; a retyped one goes as typed", () => {
    const initial = draftOfKey(key);
    expect(parseKeyEdit(initial, { ...initial, expiresIn: "" })).toEqual({ ok: true, body: { expiresAt: null } });
    expect(parseKeyEdit(initial, { ...initial, expiresIn: "8w" })).toEqual({ ok: true, body: { expiresIn: "8w" } });
  });

  test("the same mistakes as creating are caught before sending", () => {
    const initial = draftOfKey(key);
    expect(parseKeyEdit(initial, { ...initial, requestsPerMinute: "0", name: "" })).toMatchObject({ ok: false, errors: { requestsPerMinute: expect.any(String), name: expect.any(String) } });
  });

  test("the server's issues land on their fields; the rest stays for the form's error line", () => {
    expect(
      keyFieldErrorsFrom([
        { path: "expiresAt", message: "not in the future" },
        { path: "allowedModels.2", message: "too long" },
        { path: "requestsPerMinute", message: "too big" },
        { path: "", message: 'Unrecognized key: "hash"' },
      ]),
    ).toEqual({ errors: { expiresIn: "not in the future", allowedModels: "too long", requestsPerMinute: "too big" }, rest: ['Unrecognized key: "hash"'] });
  });

  test("the confirmation names what was set, as the server saved it", () => {
    expect(describeKeyEdit({ requestsPerMinute: 10, allowedModels: ["fast"] }, { ...key, requestsPerMinute: 10, allowedModels: ["fast"] })).toBe("models fast, requests/min 10");
    expect(describeKeyEdit({ concurrency: null, expiresAt: null }, { ...key, concurrency: null, expiresAt: null })).toBe("concurrency cap none, expires never");
  });
});
