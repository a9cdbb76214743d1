import type { PrismaClient } from "@/lib/db/client";
import type { Prisma } from "@/lib/db/generated/prisma/client";

// API keys for /v1. The table holds a SHA-256 of each key, never the key; only `findApiKeyByHash` (the
// authenticator's lookup) selects that column: every list and every value handed to the API goes through
// `summarySelect`, which leaves it out.

export type ApiKeyLane = "interactive" | "batch";

/** An API key as lists, the CLI and the admin API see it: everything but the hash. */
export interface ApiKeySummary {
  id: string;
  name: string;
  /** "sy-" and the key's 8 identifying characters. */
  prefix: string;
  /** Model names and aliases the key may use; null = every model. */
  allowedModels: string[] | null;
  concurrency: number | null;
  requestsPerMinute: number | null;
  lane: ApiKeyLane;
  defaultModel: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  captureBodies: boolean;
}

/** What the authenticator needs: the summary and the stored hash (compared in constant time). */
export interface ApiKeyRecord extends ApiKeySummary {
  hash: string;
}

export interface CreateApiKeyInput {
  name: string;
  prefix: string;
  /** SHA-256 (hex) of the whole key; see lib/auth/api-keys.ts. */
  hash: string;
  /** Empty or absent = every model. */
  allowedModels?: string[] | null;
  concurrency?: number | null;
  requestsPerMinute?: number | null;
  lane?: ApiKeyLane;
  defaultModel?: string | null;
  expiresAt?: Date | null;
  captureBodies?: boolean;
  /** Defaults to now. */
  createdAt?: Date;
}

const summarySelect = {
  id: true,
  name: true,
  prefix: true,
  allowedModels: true,
  concurrency: true,
  requestsPerMinute: true,
  lane: true,
  defaultModel: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdAt: true,
  captureBodies: true,
} as const satisfies Prisma.ApiKeySelect;

type SummaryRow = Prisma.ApiKeyGetPayload<{ select: typeof summarySelect }>;

/**
 * The stored JSON list of models. Empty means every model. Anything unreadable (only a hand-edited database
 * can hold that) allows nothing rather than everything: a damaged restriction must not become no restriction.
 */
export function parseAllowedModels(stored: string): string[] | null {
  try {
    const value: unknown = JSON.parse(stored);
    if (Array.isArray(value) && value.every((item): item is string => typeof item === "string")) {
      return value.length === 0 ? null : value;
    }
  } catch {
    // fall through
  }
  return [];
}

function toSummary(row: SummaryRow): ApiKeySummary {
  return { ...row, allowedModels: parseAllowedModels(row.allowedModels), lane: row.lane === "batch" ? "batch" : "interactive" };
}

export async function createApiKey(input: CreateApiKeyInput, prisma: PrismaClient): Promise<ApiKeySummary> {
  const row = await prisma.apiKey.create({
    data: {
      name: input.name,
      prefix: input.prefix,
      hash: input.hash,
      allowedModels: JSON.stringify(input.allowedModels ?? []),
      concurrency: input.concurrency ?? null,
      requestsPerMinute: input.requestsPerMinute ?? null,
      lane: input.lane ?? "interactive",
      defaultModel: input.defaultModel ?? null,
      expiresAt: input.expiresAt ?? null,
      captureBodies: input.captureBodies ?? false,
      createdAt: input.createdAt ?? new Date(),
    },
    select: summarySelect,
  });
  return toSummary(row);
}

/** Every key, newest first, revoked and expired ones included (the console shows their status). Never the hash. */
export async function listApiKeys(prisma: PrismaClient): Promise<ApiKeySummary[]> {
  const rows = await prisma.apiKey.findMany({ select: summarySelect, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  return rows.map(toSummary);
}

export async function getApiKey(id: string, prisma: PrismaClient): Promise<ApiKeySummary | null> {
  const row = await prisma.apiKey.findUnique({ where: { id }, select: summarySelect });
  return row ? toSummary(row) : null;
}

/** Keys whose id is `ref`, or whose prefix is `ref` with or without its "sy-" (the CLI's `revoke <id|prefix>`). */
export async function findApiKeysByIdOrPrefix(ref: string, prisma: PrismaClient): Promise<ApiKeySummary[]> {
  const prefixes = ref.startsWith("sy-") ? [ref] : [ref, `sy-${ref}`];
  const rows = await prisma.apiKey.findMany({
    where: { OR: [{ id: ref }, { prefix: { in: prefixes } }] },
    select: summarySelect,
    orderBy: { createdAt: "desc" },
  });
  return rows.map(toSummary);
}

/**
 * Marks a key revoked (from `at`, default now). Revoking twice keeps the first time. Returns the key, or null
 * when there is no such key. Callers in the server process must also invalidate the authenticator's cache.
 */
export async function revokeApiKey(id: string, at: Date = new Date(), prisma: PrismaClient): Promise<ApiKeySummary | null> {
  await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
  return getApiKey(id, prisma);
}

/** The settings of a key that an edit may change: never its hash, prefix, creation or revocation. */
export type ApiKeySettings = Partial<Pick<ApiKeySummary, "name" | "allowedModels" | "concurrency" | "requestsPerMinute" | "lane" | "defaultModel" | "expiresAt" | "captureBodies">>;

/**
 * Changes the given settings of a key that is not revoked (one statement, so a revocation racing the edit wins).
 * Returns the key as it now is, or null when no unrevoked key has that id (the caller tells the two apart).
 * Callers in the server process must also invalidate the authenticator's cache.
 */
export async function updateApiKeySettings(id: string, settings: ApiKeySettings, prisma: PrismaClient): Promise<ApiKeySummary | null> {
  const { allowedModels, ...rest } = settings;
  const data: Prisma.ApiKeyUpdateManyMutationInput = { ...rest, ...(allowedModels !== undefined ? { allowedModels: JSON.stringify(allowedModels ?? []) } : {}) };
  const { count } = await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data });
  return count === 0 ? null : getApiKey(id, prisma);
}

/** The authenticator's lookup (unique index on hash). The only query that selects the hash. */
export async function findApiKeyByHash(hash: string, prisma: PrismaClient): Promise<ApiKeyRecord | null> {
  const row = await prisma.apiKey.findUnique({ where: { hash }, select: { ...summarySelect, hash: true } });
  return row ? { ...toSummary(row), hash: row.hash } : null;
}

/** Records use of a key. A key deleted meanwhile is not an error. */
export async function touchApiKey(id: string, at: Date = new Date(), prisma: PrismaClient): Promise<void> {
  await prisma.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
}
