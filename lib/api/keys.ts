import { z } from "zod";
import { apiKeyStatus, issueApiKey, type ApiKeyStatus } from "@/lib/auth/api-keys";
import { InvalidExpiryError, parseExpiry } from "@/lib/auth/expiry";
import { listApiKeys, revokeApiKey, type ApiKeyLane, type ApiKeySummary } from "@/lib/db/queries/api-keys";
import { ApiError, WithStatus } from "./envelope";
import { apiRoute } from "./route";

/** An API key as the admin API shows it: never the key, never its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  /** null = every model. */
  allowedModels: string[] | null;
  concurrency: number | null;
  requestsPerMinute: number | null;
  lane: ApiKeyLane;
  defaultModel: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  captureBodies: boolean;
  status: ApiKeyStatus;
}

export interface CreatedApiKey {
  /** The key itself: shown this once, not stored anywhere. */
  key: string;
  apiKey: ApiKeyView;
}

/** GET /api/keys as JSON. */
export interface ApiKeyListView {
  rows: ApiKeyView[];
}

function toView(key: ApiKeySummary, now: Date = new Date()): ApiKeyView {
  return {
    ...key,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    createdAt: key.createdAt.toISOString(),
    status: apiKeyStatus(key, now),
  };
}

const modelName = z.string().trim().min(1).max(200);

export const createApiKeyBodySchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "name the key after who or what uses it")
      .max(100)
      .regex(/^[^\p{Cc}]*$/u, "no control characters"),
    /** Empty or absent = every model. */
    allowedModels: z.array(modelName).max(100).default([]),
    concurrency: z.int().positive().max(100_000).nullable().default(null),
    requestsPerMinute: z.int().positive().max(10_000_000).nullable().default(null),
    lane: z.enum(["interactive", "batch"]).default("interactive"),
    defaultModel: modelName.nullable().default(null),
    /** A duration from now: "90m", "12h", "30d", "8w". */
    expiresIn: z.string().max(40).optional(),
    /** Or a date/time: "2027-01-31", "2027-01-31T18:00:00Z". */
    expiresAt: z.string().max(40).optional(),
    captureBodies: z.boolean().default(false),
  })
  .strict()
  .refine((body) => body.expiresIn === undefined || body.expiresAt === undefined, { message: "give expiresIn or expiresAt, not both", path: ["expiresAt"] });

export type CreateApiKeyBody = z.input<typeof createApiKeyBodySchema>;

const noStore = { "cache-control": "no-store" };

/** The view is all that leaves: a later column of the key table (its hash, say) cannot reach the API by accident. */
const apiKeyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  allowedModels: z.array(z.string()).nullable(),
  concurrency: z.number().nullable(),
  requestsPerMinute: z.number().nullable(),
  lane: z.enum(["interactive", "batch"]),
  defaultModel: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  createdAt: z.string(),
  captureBodies: z.boolean(),
  status: z.enum(["active", "revoked", "expired"]),
}) satisfies z.ZodType<ApiKeyView>;

/** GET /api/keys: every key (revoked and expired included), newest first, with its last use. */
export const listKeys = apiRoute({ response: z.object({ rows: z.array(apiKeyViewSchema) }) }, async ({ switchyard }): Promise<ApiKeyListView> => {
  const now = new Date();
  return { rows: (await listApiKeys(switchyard.db)).map((key) => toView(key, now)) };
});

/** POST /api/keys: creates a key; 201 with the key itself, which no later request can show again. */
export const createKey = apiRoute(
  { body: createApiKeyBodySchema, response: z.object({ key: z.string(), apiKey: apiKeyViewSchema }), headers: noStore },
  async ({ switchyard, body }): Promise<WithStatus<CreatedApiKey>> => {
    const { expiresIn, expiresAt: expiresOn, ...limits } = body;
    const now = new Date();
    let expiresAt: Date | null = null;
    const expiry = expiresIn ?? expiresOn;
    if (expiry !== undefined) {
      try {
        expiresAt = parseExpiry(expiry, now);
      } catch (error) {
        if (error instanceof InvalidExpiryError) throw new ApiError("bad_request", `${expiresIn !== undefined ? "expiresIn" : "expiresAt"}: ${error.message}`);
        throw error;
      }
    }
    const { key, apiKey } = await issueApiKey({ ...limits, expiresAt, createdAt: now }, switchyard.db);
    return new WithStatus(201, { key, apiKey: toView(apiKey, now) });
  },
);

/** POST /api/keys/{id}/revoke: the key stops working at once (revoking twice keeps the first time). */
export const revokeKey = apiRoute({ params: z.object({ id: z.string().min(1) }), response: apiKeyViewSchema }, async ({ switchyard, params: { id } }): Promise<ApiKeyView> => {
  const revoked = await revokeApiKey(id, new Date(), switchyard.db);
  if (!revoked) throw new ApiError("not_found", `no API key with id ${id}`);
  switchyard.apiKeys.invalidate();
  return toView(revoked);
});
