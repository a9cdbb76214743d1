import { z } from "zod";
import { apiKeyAuthenticator, apiKeyStatus, issueApiKey, type ApiKeyStatus } from "@/lib/auth/api-keys";
import { InvalidExpiryError, parseExpiry } from "@/lib/auth/expiry";
import { listApiKeys, revokeApiKey, type ApiKeyLane, type ApiKeySummary } from "@/lib/db/queries/api-keys";
import { adminRoute, ApiError, readJson, type ApiEnvelope, type RouteParams } from "./envelope";

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

/** GET /api/keys: every key (revoked and expired included), newest first, with its last use. */
export const listKeys = adminRoute(async (): Promise<{ rows: ApiKeyView[] }> => {
  const now = new Date();
  return { rows: (await listApiKeys()).map((key) => toView(key, now)) };
});

/** POST /api/keys: creates a key; 201 with the key itself, which no later request can show again. */
export const createKey = adminRoute(async (request): Promise<Response> => {
  const { expiresIn, expiresAt: expiresOn, ...limits } = createApiKeyBodySchema.parse(await readJson(request));
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
  const { key, apiKey } = await issueApiKey({ ...limits, expiresAt, createdAt: now });
  return Response.json({ data: { key, apiKey: toView(apiKey, now) } } satisfies ApiEnvelope<CreatedApiKey>, {
    status: 201,
    headers: { "cache-control": "no-store" },
  });
});

/** POST /api/keys/{id}/revoke: the key stops working at once (revoking twice keeps the first time). */
export const revokeKey = adminRoute(async (request, { params }: RouteParams<{ id: string }>): Promise<ApiKeyView> => {
  const { id } = await params;
  const revoked = await revokeApiKey(decodeURIComponent(id));
  if (!revoked) throw new ApiError("not_found", `no API key with id ${id}`);
  apiKeyAuthenticator().invalidate();
  return toView(revoked);
});
