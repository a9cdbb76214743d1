import { describe, expect, test } from "vitest";
import { describeAllowedModels, keyStatusAt, modelChoices } from "./key-status";

const now = Date.parse("2026-11-27T12:00:00Z");

describe("key status", () => {
  test("a key that expires while the page is open turns expired without a refetch", () => {
    const key = { status: "active" as const, revokedAt: null, expiresAt: "2026-11-27T12:00:00Z" };
    expect(keyStatusAt(key, now - 1)).toBe("active");
    expect(keyStatusAt(key, now)).toBe("expired");
  });

  test("revoked wins over expired, and the server's verdict is kept", () => {
    expect(keyStatusAt({ status: "active", revokedAt: "2026-11-01T00:00:00Z", expiresAt: "2026-11-02T00:00:00Z" }, now)).toBe("revoked");
    expect(keyStatusAt({ status: "expired", revokedAt: null, expiresAt: "2026-11-27T11:00:00Z" }, now - 86_400_000)).toBe("expired");
    expect(keyStatusAt({ status: "active", revokedAt: null, expiresAt: null }, now)).toBe("active");
  });
});

describe("allowed models", () => {
  test("no list or an empty one means every model", () => {
    expect(describeAllowedModels(null)).toBe("all");
    expect(describeAllowedModels([])).toBe("all");
    expect(describeAllowedModels(["fast", "reasoning"])).toBe("fast, reasoning");
  });

  test("the choices are the routing table's model names, once each, in its order", () => {
    const row = (model: string) => ({ model, kind: "candidates" as const, candidates: [], byMode: {} });
    expect(modelChoices({ table: [row("fast"), row("auto"), row("fast"), row("qwen2.5-7b-instruct")] })).toEqual(["fast", "auto", "qwen2.5-7b-instruct"]);
  });
});
