import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "@/lib/db/client";
import { createApiKey, type ApiKeyRecord, type ApiKeySummary, type CreateApiKeyInput } from "@/lib/db/queries/api-keys";
import { AuthError } from "./errors";
import type { Principal } from "./principal";

/**
 * API keys for /v1: `sy-<8 identifying characters>-<43 characters of base64url = 32 random bytes>`.
 *
 * Only SHA-256(key) is stored. A fast unsalted hash is right here, unlike for passwords: each key carries 256
 * random bits, so a leaked hash cannot be brute-forced (slow hashes and salts exist to protect low-entropy,
 * reused human secrets), and a deterministic hash is what lets the hot path find the key with one indexed
 * lookup instead of running scrypt on every request.
 */

const PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"; // 32 symbols: one byte & 31 is unbiased
const PREFIX_LENGTH = 8;
const SECRET_BYTES = 32;

/** The whole key; anything else is rejected before it costs a hash or a database lookup. */
export const API_KEY_PATTERN = /^sy-[a-z2-7]{8}-[A-Za-z0-9_-]{43}$/;

export interface GeneratedApiKey {
  /** The key to hand to the user, once. */
  key: string;
  /** "sy-" and the identifying characters: stored, shown in lists. */
  prefix: string;
  /** SHA-256 (hex) of the key: stored. */
  hash: string;
}

export function generateApiKey(random: (size: number) => Buffer = randomBytes): GeneratedApiKey {
  const id = Array.from(random(PREFIX_LENGTH), (byte) => PREFIX_ALPHABET[byte & 31]).join("");
  const prefix = `sy-${id}`;
  const key = `${prefix}-${random(SECRET_BYTES).toString("base64url")}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Constant-time equality of two hex SHA-256 digests (false for anything that is not one). */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}

/**
 * The key a request presents: `Authorization: Bearer <key>` (OpenAI SDKs) or `x-api-key: <key>` (Anthropic-style
 * clients), treated alike. null when neither carries anything; a non-Bearer Authorization without x-api-key is
 * presented as-is so that it is refused as invalid rather than as missing.
 */
export function presentedApiKey(headers: Headers): string | null {
  const authorization = headers.get("authorization")?.trim() ?? "";
  const bearer = /^bearer(?:\s+|$)/i.exec(authorization);
  if (bearer) {
    const token = authorization.slice(bearer[0].length).trim();
    if (token) return token;
  }
  const apiKey = headers.get("x-api-key")?.trim();
  if (apiKey) return apiKey;
  return authorization && !bearer ? authorization : null;
}

export interface ApiKeyAuthenticatorDeps {
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** Records the key's use; called off the hot path, at most once per touchIntervalMs per key. */
  touch(keyId: string, at: Date): Promise<void>;
  now?: () => number;
  /** How long a looked-up key is trusted without asking the database again. */
  cacheTtlMs?: number;
  touchIntervalMs?: number;
  onTouchError?: (error: unknown) => void;
}

export interface ApiKeyAuthenticator {
  /** The caller's principal; throws AuthError missing_api_key / invalid_api_key (401), nothing else on bad input. */
  authenticate(request: Request): Promise<Principal>;
  /** The same for a key already taken from the headers (null = none presented). */
  authenticateKey(presented: string | null): Promise<Principal>;
  /** Forgets every cached key, so a revocation takes effect at once in this process. */
  invalidate(): void;
}

/** Revocations made by another process (the CLI) reach a running gateway within this time. */
export const API_KEY_CACHE_TTL_MS = 10_000;
const TOUCH_INTERVAL_MS = 60_000;

export const missingApiKeyMessage =
  "This lab requires an API key: send it as `Authorization: Bearer <key>` or `x-api-key: <key>`. Ask the lab's operator for one.";
// One message for unknown, revoked and expired keys alike: a caller learns nothing about which keys exist.
export const invalidApiKeyMessage = "The API key is invalid or expired.";

export function createApiKeyAuthenticator(deps: ApiKeyAuthenticatorDeps): ApiKeyAuthenticator {
  const now = deps.now ?? Date.now;
  const ttlMs = deps.cacheTtlMs ?? API_KEY_CACHE_TTL_MS;
  const touchIntervalMs = deps.touchIntervalMs ?? TOUCH_INTERVAL_MS;
  // Only keys that exist are cached, so garbage cannot grow the map; the map is bounded by the table.
  const cache = new Map<string, { record: ApiKeyRecord; loadedAt: number }>();
  const loading = new Map<string, Promise<ApiKeyRecord | null>>();
  const lastTouched = new Map<string, number>();
  let generation = 0;

  async function lookUp(hash: string): Promise<ApiKeyRecord | null> {
    const cached = cache.get(hash);
    if (cached && now() - cached.loadedAt < ttlMs) return cached.record;
    let pending = loading.get(hash);
    if (!pending) {
      const startedIn = generation;
      pending = deps.findByHash(hash).then(
        (record) => {
          loading.delete(hash);
          // A lookup that started before an invalidation may carry the pre-revocation row: do not keep it.
          if (record && startedIn === generation) cache.set(hash, { record, loadedAt: now() });
          else cache.delete(hash);
          return record;
        },
        (error: unknown) => {
          loading.delete(hash);
          throw error;
        },
      );
      loading.set(hash, pending);
    }
    return pending;
  }

  function recordUse(record: ApiKeyRecord, at: number): void {
    const previous = lastTouched.get(record.id) ?? record.lastUsedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
    if (at - previous < touchIntervalMs) return;
    lastTouched.set(record.id, at);
    deps.touch(record.id, new Date(at)).catch((error: unknown) => (deps.onTouchError ?? defaultTouchError)(error));
  }

  async function authenticateKey(presented: string | null): Promise<Principal> {
    if (presented === null) throw new AuthError("missing_api_key", missingApiKeyMessage);
    // The pattern bounds the length too, so 1 MB headers and NUL bytes stop here, before any hashing.
    if (presented.length > 64 || !API_KEY_PATTERN.test(presented)) throw invalid();
    const hash = hashApiKey(presented);
    const record = await lookUp(hash);
    // The lookup matched on the hash already; comparing again in constant time keeps the decision itself
    // free of early-exit string comparison, whatever the index or the cache does.
    if (!record || !sameHash(record.hash, hash)) throw invalid();
    const at = now();
    if (record.revokedAt !== null || (record.expiresAt !== null && record.expiresAt.getTime() <= at)) throw invalid();
    recordUse(record, at);
    return principalOf(record);
  }

  return {
    authenticate: (request) => authenticateKey(presentedApiKey(request.headers)),
    authenticateKey,
    invalidate() {
      generation++;
      cache.clear();
    },
  };
}

function invalid(): AuthError {
  return new AuthError("invalid_api_key", invalidApiKeyMessage);
}

function defaultTouchError(error: unknown): void {
  console.error("[auth] could not record an API key's last use", error);
}

export function principalOf(record: ApiKeyRecord): Principal {
  return {
    keyId: record.id,
    keyName: record.name,
    allowedModels: record.allowedModels,
    lane: record.lane,
    concurrency: record.concurrency,
    requestsPerMinute: record.requestsPerMinute,
    defaultModel: record.defaultModel,
    captureBodies: record.captureBodies,
  };
}

export type ApiKeyStatus = "active" | "revoked" | "expired";

export function apiKeyStatus(key: Pick<ApiKeySummary, "revokedAt" | "expiresAt">, now: Date = new Date()): ApiKeyStatus {
  if (key.revokedAt !== null) return "revoked";
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return "expired";
  return "active";
}

export type IssueApiKeyInput = Omit<CreateApiKeyInput, "prefix" | "hash">;

/** Creates a key: returns the key itself (to show once; it is not stored) and what is stored about it. */
export async function issueApiKey(input: IssueApiKeyInput, prisma: PrismaClient): Promise<{ key: string; apiKey: ApiKeySummary }> {
  const generated = generateApiKey();
  const allowedModels = input.allowedModels?.length ? [...new Set(input.allowedModels)] : null;
  const apiKey = await createApiKey({ ...input, allowedModels, prefix: generated.prefix, hash: generated.hash }, prisma);
  return { key: generated.key, apiKey };
}
