import { describe, expect, test } from "vitest";
import { EMPTY_KEY_FORM, parseKeyForm, parseOptionalLimit } from "./key-form";

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
      expiresIn: " 30d ",
      captureBodies: true,
    });
    expect(result).toEqual({
      ok: true,
      body: { name: "batch jobs", allowedModels: ["fast", "reasoning"], lane: "batch", concurrency: 4, requestsPerMinute: 600, expiresIn: "30d", captureBodies: true },
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
