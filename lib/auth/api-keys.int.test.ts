import { existsSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { findApiKeyByHash, getApiKey, revokeApiKey, touchApiKey } from "@/lib/db/queries/api-keys";
import { migratedTestDatabase } from "@/lib/db/test-database";
import { toGatewayError } from "@/lib/gateway/errors";
import { createApiKeyAuthenticator, generateApiKey, hashApiKey, invalidApiKeyMessage, issueApiKey } from "./api-keys";
import { AuthError } from "./errors";
import { requestAuthenticator } from "./principal";

// The gateway's authentication seam end to end: an authenticator on the database queries, on a real SQLite file.

const db = migratedTestDatabase("auth");
// One authenticator for the file, as the app keeps one for its database.
const keys = createApiKeyAuthenticator({
  findByHash: (hash) => findApiKeyByHash(hash, db.prisma),
  touch: (keyId, at) => touchApiKey(keyId, at, db.prisma),
});
const authenticate = requestAuthenticator(keys);

const config = (auth: "keys" | "open") =>
  parseLabConfig(
    JSON.stringify({
      runtime: "none",
      auth,
      backends: { small: { url: "http://127.0.0.1:9", servedModel: "small" } },
      modes: { standard: { backends: ["small"], default: true } },
    }),
  );
const keysConfig = config("keys");

function call(headers: Record<string, string>, auth = keysConfig) {
  return authenticate(new Request("http://127.0.0.1/v1/chat/completions", { method: "POST", headers }), auth);
}

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => new Error("expected a refusal"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe("requestAuthenticator with auth: keys", () => {
  test("a valid key is accepted as Bearer and as x-api-key, with its limits on the principal", async () => {
    const { key, apiKey } = await issueApiKey({ name: "bot", allowedModels: ["fast"], concurrency: 2, requestsPerMinute: 30, lane: "batch" }, db.prisma);
    const expected = { keyId: apiKey.id, keyName: "bot", allowedModels: ["fast"], lane: "batch", concurrency: 2, requestsPerMinute: 30, defaultModel: null, captureBodies: false };
    expect(await call({ authorization: `Bearer ${key}` })).toEqual(expected);
    expect(await call({ "x-api-key": key })).toEqual(expected);
    // Its use reaches the database without the request waiting for it.
    await vi.waitFor(async () => expect((await getApiKey(apiKey.id, db.prisma))?.lastUsedAt).not.toBeNull());
  });

  test("missing, unknown, revoked and expired keys are 401s; the last three say the same thing", async () => {
    const { key: revoked, apiKey } = await issueApiKey({ name: "revoked" }, db.prisma);
    expect((await call({ authorization: `Bearer ${revoked}` })).keyName).toBe("revoked"); // now cached
    await revokeApiKey(apiKey.id, new Date(), db.prisma);
    keys.invalidate(); // what the admin API does after revoking
    const { key: expired } = await issueApiKey({ name: "expired", expiresAt: new Date(Date.now() - 1000) }, db.prisma);

    const missing = await refusal(call({}));
    expect([toGatewayError(missing).status, missing.kind]).toEqual([401, "missing_api_key"]);
    for (const key of [generateApiKey().key, revoked, expired]) {
      const error = await refusal(call({ authorization: `Bearer ${key}` }));
      expect([toGatewayError(error).status, error.kind, error.message]).toEqual([401, "invalid_api_key", invalidApiKeyMessage]);
    }
  });

  test("a key that expires while cached stops working at its expiry", async () => {
    const { key } = await issueApiKey({ name: "short", expiresAt: new Date(Date.now() + 400) }, db.prisma);
    expect((await call({ "x-api-key": key })).keyName).toBe("short");
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await refusal(call({ "x-api-key": key }))).kind).toBe("invalid_api_key");
  });

  test("garbage headers are 401s, never a 500 (property)", async () => {
    const { key } = await issueApiKey({ name: "real" }, db.prisma);
    // Header values may hold any byte but NUL, CR and LF; the key-level unit test covers those too.
    const headerChar = fc.integer({ min: 1, max: 255 }).filter((code) => code !== 10 && code !== 13).map((code) => String.fromCharCode(code));
    const headerText = fc.string({ unit: headerChar, maxLength: 120 });
    const value = fc.oneof(
      headerText,
      headerText.map((text) => `Bearer ${text}`),
      headerText.map((text) => `sy-${text}`),
      fc.stringMatching(/^sy-[a-z2-7]{8}-[A-Za-z0-9_-]{43}$/), // well-formed but unknown: reaches the database
      fc.constantFrom(`${key}'`, `${key.slice(0, -1)}"`, "sy-aaaaaaaa-' OR '1'='1' --aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Bearer " + "A".repeat(1 << 20)),
    );
    await fc.assert(
      fc.asyncProperty(value, fc.constantFrom("authorization", "x-api-key"), async (text, header) => {
        const error = await refusal(call({ [header]: text }));
        expect(toGatewayError(error).status).toBe(401);
      }),
      { numRuns: 300 },
    );
  });
});

test("auth: open lets everyone in as the anonymous principal, key or no key", async () => {
  const open = config("open");
  expect(await call({}, open)).toEqual({ keyId: null, keyName: null, allowedModels: null });
  expect(await call({ authorization: "Bearer nonsense" }, open)).toEqual({ keyId: null, keyName: null, allowedModels: null });
});

test("after creating and using keys, neither the database nor its WAL holds a key in plain text", async () => {
  const issued = await Promise.all(["a", "b", "c"].map((name) => issueApiKey({ name, allowedModels: ["fast"] }, db.prisma)));
  for (const { key } of issued) await call({ authorization: `Bearer ${key}` });
  await revokeApiKey(issued[0]!.apiKey.id, new Date(), db.prisma);
  await vi.waitFor(async () => {
    for (const { apiKey } of issued) expect((await getApiKey(apiKey.id, db.prisma))?.lastUsedAt).not.toBeNull();
  });

  const dbFile = db.dbFile;
  const files = [dbFile, `${dbFile}-wal`].filter((file) => existsSync(file));
  const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
  // The scan can see what is stored: the hashes and prefixes are there...
  for (const { apiKey, key } of issued) {
    expect(bytes.includes(Buffer.from(apiKey.prefix))).toBe(true);
    expect(bytes.includes(Buffer.from(hashApiKey(key)))).toBe(true);
  }
  // ...and neither a key nor its secret part is.
  for (const { key } of issued) {
    expect(bytes.includes(Buffer.from(key))).toBe(false);
    expect(bytes.includes(Buffer.from(key.slice(12)))).toBe(false);
    expect(bytes.includes(Buffer.from(key.slice(12), "base64url"))).toBe(false);
  }
});
