import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import type { ApiKeyRecord } from "@/lib/db/queries/api-keys";
import { toGatewayError } from "@/lib/gateway/errors";
import {
  API_KEY_PATTERN,
  apiKeyStatus,
  createApiKeyAuthenticator,
  generateApiKey,
  hashApiKey,
  invalidApiKeyMessage,
  presentedApiKey,
  sameHash,
  type ApiKeyAuthenticatorDeps,
} from "./api-keys";
import { AuthError } from "./errors";

function record(key: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: `id-${key.slice(3, 11)}`,
    name: "bot",
    prefix: key.slice(0, 11),
    hash: hashApiKey(key),
    allowedModels: ["fast"],
    concurrency: 4,
    requestsPerMinute: 60,
    lane: "batch",
    defaultModel: "fast",
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    createdAt: new Date(0),
    captureBodies: false,
    ...overrides,
  };
}

/** An authenticator over an in-memory table, with a controllable clock and call counters. */
function fixture(rows: ApiKeyRecord[], options: Partial<ApiKeyAuthenticatorDeps> = {}) {
  let clock = 1_000_000;
  const table = new Map(rows.map((row) => [row.hash, row]));
  const findByHash = vi.fn(async (hash: string) => table.get(hash) ?? null);
  const touch = vi.fn(async () => undefined);
  const authenticator = createApiKeyAuthenticator({ findByHash, touch, now: () => clock, ...options });
  return {
    authenticator,
    table,
    findByHash,
    touch,
    advance: (ms: number) => {
      clock += ms;
    },
    now: () => clock,
  };
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe("generateApiKey", () => {
  test("makes sy-<8>-<43 base64url> keys whose prefix is their start and whose hash is SHA-256 of the key", () => {
    const generated = generateApiKey();
    expect(generated.key).toMatch(API_KEY_PATTERN);
    expect(generated.key).toHaveLength(55);
    expect(generated.key.startsWith(`${generated.prefix}-`)).toBe(true);
    expect(generated.prefix).toMatch(/^sy-[a-z2-7]{8}$/);
    expect(generated.hash).toBe(createHash("sha256").update(generated.key).digest("hex"));
  });

  test("draws every key from fresh randomness", () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    const prefixes = new Set([...keys].map((key) => key.slice(0, 11)));
    expect(keys.size).toBe(200);
    expect(prefixes.size).toBe(200);
  });

  test("the secret part carries all 32 random bytes", () => {
    const bytes = Buffer.alloc(32, 0xab);
    const { key } = generateApiKey((size) => (size === 32 ? bytes : Buffer.alloc(size, 1)));
    expect(Buffer.from(key.slice(12), "base64url").equals(bytes)).toBe(true);
  });
});

describe("sameHash", () => {
  test("is true only for two equal SHA-256 digests", () => {
    const a = hashApiKey("a");
    expect(sameHash(a, a)).toBe(true);
    expect(sameHash(a, hashApiKey("b"))).toBe(false);
    expect(sameHash(a, a.slice(0, 62))).toBe(false);
    expect(sameHash("zz", "zz")).toBe(false);
  });
});

describe("presentedApiKey", () => {
  const cases: Array<[string, Record<string, string>, string | null]> = [
    ["Bearer", { authorization: "Bearer sy-k" }, "sy-k"],
    ["lower-case scheme, extra spaces", { authorization: "  bearer    sy-k  " }, "sy-k"],
    ["x-api-key", { "x-api-key": "sy-k" }, "sy-k"],
    ["Bearer wins over x-api-key", { authorization: "Bearer sy-a", "x-api-key": "sy-b" }, "sy-a"],
    ["x-api-key when Authorization is another scheme", { authorization: "Basic abc", "x-api-key": "sy-b" }, "sy-b"],
    ["another scheme alone is presented (and will be invalid)", { authorization: "Basic abc" }, "Basic abc"],
    ["empty Bearer is nothing", { authorization: "Bearer " }, null],
    ["no headers", {}, null],
    ["a scheme glued to the token is not Bearer", { authorization: "Bearersy-k" }, "Bearersy-k"],
  ];
  test.each(cases)("%s", (_name, headers, expected) => {
    expect(presentedApiKey(new Headers(headers))).toBe(expected);
  });
});

describe("the API key authenticator", () => {
  const key = generateApiKey().key;

  test("accepts the key as Bearer and as x-api-key alike and returns its principal", async () => {
    const { authenticator } = fixture([record(key)]);
    const viaBearer = await authenticator.authenticate(new Request("http://x/v1/models", { headers: { authorization: `Bearer ${key}` } }));
    const viaHeader = await authenticator.authenticate(new Request("http://x/v1/models", { headers: { "x-api-key": key } }));
    expect(viaHeader).toEqual(viaBearer);
    expect(viaBearer).toEqual({
      keyId: `id-${key.slice(3, 11)}`,
      keyName: "bot",
      allowedModels: ["fast"],
      lane: "batch",
      concurrency: 4,
      requestsPerMinute: 60,
      defaultModel: "fast",
      captureBodies: false,
    });
  });

  test("no key is missing_api_key; unknown, revoked and expired keys get one indistinguishable 401", async () => {
    const revoked = generateApiKey().key;
    const expired = generateApiKey().key;
    // The fixture's clock starts at 1_000_000.
    const { authenticator } = fixture([record(revoked, { revokedAt: new Date(0) }), record(expired, { expiresAt: new Date(999_999) })]);
    const missing = await rejection(authenticator.authenticateKey(null));
    expect([toGatewayError(missing).status, missing.kind]).toEqual([401, "missing_api_key"]);
    const errors = await Promise.all([generateApiKey().key, revoked, expired].map((k) => rejection(authenticator.authenticateKey(k))));
    for (const error of errors) {
      expect([toGatewayError(error).status, error.kind, error.message]).toEqual([401, "invalid_api_key", invalidApiKeyMessage]);
    }
  });

  test("a key expires at its expiresAt, not a request later", async () => {
    const { authenticator, advance, now } = fixture([record(key, { expiresAt: new Date(1_000_000 + 5_000) })]);
    await expect(authenticator.authenticateKey(key)).resolves.toMatchObject({ keyName: "bot" });
    advance(4_999);
    await expect(authenticator.authenticateKey(key)).resolves.toMatchObject({ keyName: "bot" });
    advance(1);
    expect(now()).toBe(1_005_000);
    expect((await rejection(authenticator.authenticateKey(key))).kind).toBe("invalid_api_key");
  });

  test("decides on a constant-time comparison of the hashes, not on the lookup alone", async () => {
    // A store that answers every hash with the same row (a broken index, a cache bug) must not let keys in.
    const stored = record(key);
    const authenticator = createApiKeyAuthenticator({ findByHash: async () => stored, touch: async () => undefined });
    await expect(authenticator.authenticateKey(key)).resolves.toMatchObject({ keyName: "bot" });
    expect((await rejection(authenticator.authenticateKey(generateApiKey().key))).kind).toBe("invalid_api_key");
  });

  test("garbage is refused without hashing or touching the database", async () => {
    const { authenticator, findByHash } = fixture([record(key)]);
    const garbage = ["x", `${key}x`, key.toUpperCase(), `${key.slice(0, 54)}\u0000`, "' OR 1=1 --", "a".repeat(1024 * 1024), `${key} ${key}`];
    for (const value of garbage) {
      expect((await rejection(authenticator.authenticateKey(value))).kind).toBe("invalid_api_key");
    }
    expect(findByHash).not.toHaveBeenCalled();
  });

  test("any string whatsoever is a 401, never another error (property)", async () => {
    const { authenticator } = fixture([record(key)]);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 80 }), fc.constant(key.slice(0, 54))), async (value) => {
        const error = await rejection(authenticator.authenticateKey(value));
        expect(toGatewayError(error).status).toBe(401);
      }),
      { numRuns: 500 },
    );
  });

  test("caches a key for the TTL, then asks the database again; invalidate() forgets at once", async () => {
    const { authenticator, findByHash, advance, table } = fixture([record(key)], { cacheTtlMs: 10_000 });
    await authenticator.authenticateKey(key);
    await authenticator.authenticateKey(key);
    advance(9_999);
    await authenticator.authenticateKey(key);
    expect(findByHash).toHaveBeenCalledTimes(1);
    advance(1);
    await authenticator.authenticateKey(key);
    expect(findByHash).toHaveBeenCalledTimes(2);

    // Revoked in the database: the cached row still says active until invalidate().
    table.set(hashApiKey(key), record(key, { revokedAt: new Date(0) }));
    await expect(authenticator.authenticateKey(key)).resolves.toMatchObject({ keyName: "bot" });
    authenticator.invalidate();
    expect((await rejection(authenticator.authenticateKey(key))).kind).toBe("invalid_api_key");
  });

  test("a lookup that was running when the cache was invalidated is not cached", async () => {
    let release: (value: ApiKeyRecord) => void = () => undefined;
    const findByHash = vi.fn(() => new Promise<ApiKeyRecord>((resolve) => (release = resolve)));
    const authenticator = createApiKeyAuthenticator({ findByHash, touch: async () => undefined });
    const first = authenticator.authenticateKey(key);
    authenticator.invalidate();
    release(record(key));
    await first;
    const second = authenticator.authenticateKey(key);
    release(record(key, { revokedAt: new Date(0) }));
    expect((await rejection(second)).kind).toBe("invalid_api_key");
    expect(findByHash).toHaveBeenCalledTimes(2);
  });

  test("concurrent first requests with one key share one database lookup", async () => {
    const { authenticator, findByHash } = fixture([record(key)]);
    await Promise.all(Array.from({ length: 20 }, () => authenticator.authenticateKey(key)));
    expect(findByHash).toHaveBeenCalledTimes(1);
  });

  test("records use at most once a minute per key, without waiting for it", async () => {
    const other = generateApiKey().key;
    let finishTouch: () => void = () => undefined;
    const touch = vi.fn((_id: string, _at: Date) => new Promise<void>((resolve) => (finishTouch = resolve)));
    const { authenticator, advance, now } = fixture([record(key), record(other)], { touch });
    await authenticator.authenticateKey(key); // resolves although the touch has not finished
    await authenticator.authenticateKey(other);
    advance(59_999);
    await authenticator.authenticateKey(key);
    expect(touch.mock.calls.map(([id]) => id)).toEqual([`id-${key.slice(3, 11)}`, `id-${other.slice(3, 11)}`]);
    advance(1);
    await authenticator.authenticateKey(key);
    expect(touch).toHaveBeenCalledTimes(3);
    expect(touch.mock.calls[2]?.[1].getTime()).toBe(now());
    finishTouch();
  });

  test("a failed touch is reported, not thrown at the request", async () => {
    const onTouchError = vi.fn();
    const { authenticator } = fixture([record(key)], { touch: async () => Promise.reject(new Error("disk full")), onTouchError });
    await expect(authenticator.authenticateKey(key)).resolves.toMatchObject({ keyName: "bot" });
    await vi.waitFor(() => expect(onTouchError).toHaveBeenCalledOnce());
  });
});

test("apiKeyStatus tells revoked before expired before active", () => {
  const now = new Date(10_000);
  expect(apiKeyStatus({ revokedAt: null, expiresAt: null }, now)).toBe("active");
  expect(apiKeyStatus({ revokedAt: null, expiresAt: new Date(10_001) }, now)).toBe("active");
  expect(apiKeyStatus({ revokedAt: null, expiresAt: new Date(10_000) }, now)).toBe("expired");
  expect(apiKeyStatus({ revokedAt: new Date(1), expiresAt: new Date(1) }, now)).toBe("revoked");
});
