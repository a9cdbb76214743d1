import { z } from "zod";
import { apiKeyStatus, issueApiKey, type ApiKeyStatus } from "@/lib/auth/api-keys";
import { InvalidExpiryError, parseExpiry } from "@/lib/auth/expiry";
import { getApiKey, listApiKeys, revokeApiKey, updateApiKeySettings, type ApiKeyLane, type ApiKeySettings, type ApiKeySummary } from "@/lib/db/queries/api-keys";
import { recordKeyChange, recordKeyUpdate } from "./audit-changes";
import { keySettingsChange, type KeySettingsView } from "./key-changes";
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

/** The fields of a key's settings, as create and edit both accept them (each with its own defaults or none). */
const keyFieldSchemas = {
  name: z
    .string()
    .trim()
    .min(1, "name the key after who or what uses it")
    .max(100)
    .regex(/^[^\p{Cc}]*$/u, "no control characters"),
  /** Empty = every model. */
  allowedModels: z.array(modelName).max(100),
  concurrency: z.int().positive().max(100_000).nullable(),
  requestsPerMinute: z.int().positive().max(10_000_000).nullable(),
  lane: z.enum(["interactive", "batch"]),
  defaultModel: modelName.nullable(),
  /** A duration from now: "90m", "12h", "30d", "8w". */
  expiresIn: z.string().max(40),
  /** Or a date/time: "2027-01-31", "2027-01-31T18:00:00Z". */
  expiresAt: z.string().max(40),
  captureBodies: z.boolean(),
};

// An expiry is a duration or a date: one of the two fields, never both.
const oneExpiry = (body: { expiresIn?: unknown; expiresAt?: unknown }) => body.expiresIn === undefined || body.expiresAt === undefined;
const oneExpiryIssue = { message: "give expiresIn or expiresAt, not both", path: ["expiresAt"] };

export const createApiKeyBodySchema = z
  .object({
    name: keyFieldSchemas.name,
    allowedModels: keyFieldSchemas.allowedModels.default([]),
    concurrency: keyFieldSchemas.concurrency.default(null),
    requestsPerMinute: keyFieldSchemas.requestsPerMinute.default(null),
    lane: keyFieldSchemas.lane.default("interactive"),
    defaultModel: keyFieldSchemas.defaultModel.default(null),
    expiresIn: keyFieldSchemas.expiresIn.optional(),
    expiresAt: keyFieldSchemas.expiresAt.optional(),
    captureBodies: keyFieldSchemas.captureBodies.default(false),
  })
  .strict()
  .refine(oneExpiry, oneExpiryIssue);

/** PATCH /api/keys/{id}: any of the settings, absent = unchanged; `expiresAt: null` = never expires. Never the key. */
export const updateApiKeyBodySchema = z
  .object(keyFieldSchemas)
  .partial()
  .extend({ expiresAt: keyFieldSchemas.expiresAt.nullable().optional() })
  .strict()
  .refine(oneExpiry, oneExpiryIssue);

export type UpdateApiKeyBody = z.input<typeof updateApiKeyBodySchema>;

export type CreateApiKeyBody = z.input<typeof createApiKeyBodySchema>;

const noStore = { "cache-control": "no-store" };

/**
 * The expiry a body asks for: a Date, null for "never" (`expiresAt: null`, edits only), undefined when it names
 * none. A value parseExpiry refuses is a 400 naming the field, with the field as an issue for the console's forms.
 */
function expiryOf(body: { expiresIn?: string; expiresAt?: string | null }, now: Date): Date | null | undefined {
  const field = body.expiresIn !== undefined ? "expiresIn" : "expiresAt";
  const value = body.expiresIn ?? body.expiresAt;
  if (value === null || value === undefined) return value;
  try {
    return parseExpiry(value, now);
  } catch (error) {
    if (error instanceof InvalidExpiryError) throw new ApiError("bad_request", `${field}: ${error.message}`, { issues: [{ path: field, message: error.message }] });
    throw error;
  }
}

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
  async ({ request, switchyard, admin, body }): Promise<WithStatus<CreatedApiKey>> => {
    const { expiresIn, expiresAt: expiresOn, ...limits } = body;
    const now = new Date();
    const expiresAt = expiryOf({ expiresIn, expiresAt: expiresOn }, now) ?? null;
    const { key, apiKey } = await issueApiKey({ ...limits, expiresAt, createdAt: now }, switchyard.db);
    const view = toView(apiKey, now);
    await recordKeyChange({ request, switchyard, admin }, "created", null, view);
    return new WithStatus(201, { key, apiKey: view });
  },
);

/** POST /api/keys/{id}/revoke: the key stops working at once (revoking twice keeps the first time). */
export const revokeKey = apiRoute({ params: z.object({ id: z.string().min(1) }), response: apiKeyViewSchema }, async ({ request, switchyard, admin, params: { id } }): Promise<ApiKeyView> => {
  const before = (await listApiKeys(switchyard.db)).find((key) => key.id === id);
  const revoked = await revokeApiKey(id, new Date(), switchyard.db);
  if (!revoked) throw new ApiError("not_found", `no API key with id ${id}`);
  switchyard.apiKeys.invalidate();
  const view = toView(revoked);
  // Revoking twice keeps the first time: only the first revocation is a change.
  if (before && before.revokedAt === null) await recordKeyChange({ request, switchyard, admin }, "revoked", toView(before), view);
  return view;
});

/** The settings of a key as the admin view shows them: what an edit compares against. */
function settingsOf(view: ApiKeyView): KeySettingsView {
  const { name, allowedModels, concurrency, requestsPerMinute, lane, defaultModel, expiresAt, captureBodies } = view;
  return { name, allowedModels, concurrency, requestsPerMinute, lane, defaultModel, expiresAt, captureBodies };
}

/**
 * PATCH /api/keys/{id}: changes any of the key's settings (never the key itself). The key's next request goes by
 * them: the authenticator's cache is dropped, and the per-key limiter reads the limits from each request's
 * principal. Requests in flight keep their slot. 404 unknown, 409 revoked; an edit that changes nothing is a 200
 * with no audit entry.
 */
export const updateKey = apiRoute(
  { params: z.object({ id: z.string().min(1) }), body: updateApiKeyBodySchema, response: apiKeyViewSchema },
  async ({ request, switchyard, admin, params: { id }, body }): Promise<ApiKeyView> => {
    const now = new Date();
    const current = await getApiKey(id, switchyard.db);
    if (!current) throw new ApiError("not_found", `no API key with id ${id}`);
    if (current.revokedAt !== null) throw revokedConflict(current);
    const { expiresIn, expiresAt: expiresOn, allowedModels, ...rest } = body;
    const expiresAt = expiryOf({ expiresIn, expiresAt: expiresOn }, now);
    const wanted: Partial<KeySettingsView> = {
      ...rest,
      // Stored as create stores them: an empty list is every model, repeats once.
      ...(allowedModels !== undefined ? { allowedModels: allowedModels.length > 0 ? [...new Set(allowedModels)] : null } : {}),
      ...(expiresAt !== undefined ? { expiresAt: expiresAt?.toISOString() ?? null } : {}),
    };
    const before = toView(current, now);
    const change = keySettingsChange(settingsOf(before), wanted);
    if (change.fields.length === 0) return before;

    const { expiresAt: _isoExpiry, ...changed } = change.after;
    const settings: ApiKeySettings = { ...changed, ...(change.fields.includes("expiresAt") ? { expiresAt: expiresAt ?? null } : {}) };
    const updated = await updateApiKeySettings(id, settings, switchyard.db);
    if (!updated) {
      // Revoked (or deleted) between the read and the write.
      const latest = await getApiKey(id, switchyard.db);
      throw latest ? revokedConflict(latest) : new ApiError("not_found", `no API key with id ${id}`);
    }
    switchyard.apiKeys.invalidate();
    const after = toView(updated, now);
    await recordKeyUpdate({ request, switchyard, admin }, after, change);
    return after;
  },
);

function revokedConflict(key: ApiKeySummary): ApiError {
  return new ApiError("conflict", `API key ${key.name} (${key.prefix}…) is revoked; a revoked key cannot be edited. Create a new key instead.`);
}
