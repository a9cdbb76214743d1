import { beforeAll, beforeEach, expect, test } from "vitest";
import { generateApiKey } from "@/lib/auth/api-keys";
import type { PrismaClient } from "@/lib/db/client";
import { migratedTestDatabase } from "@/lib/db/test-database";
import { createApiKey, findApiKeyByHash, findApiKeysByIdOrPrefix, getApiKey, listApiKeys, revokeApiKey, touchApiKey } from "@/lib/db/queries/api-keys";

const database = migratedTestDatabase("api-keys");
let prisma: PrismaClient;

beforeAll(() => {
  prisma = database.prisma;
});

beforeEach(async () => {
  await prisma.apiKey.deleteMany();
});

function newKey(name: string, extra: Partial<Parameters<typeof createApiKey>[0]> = {}) {
  const generated = generateApiKey();
  return { generated, create: () => createApiKey({ name, prefix: generated.prefix, hash: generated.hash, ...extra }, prisma) };
}

test("a created key keeps its limits; lists never carry the hash", async () => {
  const { generated, create } = newKey("bot", {
    allowedModels: ["fast", "reasoning"],
    concurrency: 4,
    requestsPerMinute: 60,
    lane: "batch",
    defaultModel: "fast",
    expiresAt: new Date("2027-01-01T00:00:00Z"),
    captureBodies: true,
    createdAt: new Date("2026-11-29T12:00:00Z"),
  });
  const created = await create();
  expect(created).toEqual({
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    name: "bot",
    prefix: generated.prefix,
    allowedModels: ["fast", "reasoning"],
    concurrency: 4,
    requestsPerMinute: 60,
    lane: "batch",
    defaultModel: "fast",
    expiresAt: new Date("2027-01-01T00:00:00Z"),
    revokedAt: null,
    lastUsedAt: null,
    createdAt: new Date("2026-11-29T12:00:00Z"),
    captureBodies: true,
  });
  await newKey("webui", { createdAt: new Date("2026-11-29T12:00:01Z") }).create();

  const listed = await listApiKeys(prisma);
  expect(listed.map((key) => key.name)).toEqual(["webui", "bot"]); // newest first
  for (const key of [...listed, created, await getApiKey(created.id, prisma)]) {
    expect(Object.keys(key ?? {})).not.toContain("hash");
  }
  expect(JSON.stringify(listed)).not.toContain(generated.hash);
});

test("no models (or an empty list) means every model; defaults are the interactive lane, no limits, no capture", async () => {
  const created = await newKey("all", { allowedModels: [] }).create();
  expect(created).toMatchObject({ allowedModels: null, lane: "interactive", concurrency: null, requestsPerMinute: null, captureBodies: false, expiresAt: null });
});

test("a damaged model list allows nothing rather than everything", async () => {
  const created = await newKey("damaged").create();
  await prisma.apiKey.update({ where: { id: created.id }, data: { allowedModels: "{not json" } });
  expect((await getApiKey(created.id, prisma))?.allowedModels).toEqual([]);
});

test("findApiKeyByHash finds exactly the key with that hash, revoked or expired ones included", async () => {
  const { generated, create } = newKey("bot", { expiresAt: new Date("2020-01-01T00:00:00Z") });
  const created = await create();
  await revokeApiKey(created.id, new Date("2026-11-29T13:00:00Z"), prisma);
  const found = await findApiKeyByHash(generated.hash, prisma);
  expect(found).toMatchObject({ id: created.id, hash: generated.hash, expiresAt: new Date("2020-01-01T00:00:00Z"), revokedAt: new Date("2026-11-29T13:00:00Z") });
  expect(await findApiKeyByHash(generateApiKey().hash, prisma)).toBeNull();
  expect(await findApiKeyByHash("' OR 1=1 --", prisma)).toBeNull();
});

test("the hash is unique", async () => {
  const { generated, create } = newKey("one");
  await create();
  await expect(createApiKey({ name: "two", prefix: generated.prefix, hash: generated.hash }, prisma)).rejects.toThrow();
});

test("revoking keeps the first revocation time; an unknown id is null", async () => {
  const created = await newKey("bot").create();
  const first = await revokeApiKey(created.id, new Date("2026-11-29T13:00:00Z"), prisma);
  const again = await revokeApiKey(created.id, new Date("2026-11-29T14:00:00Z"), prisma);
  expect(first?.revokedAt).toEqual(new Date("2026-11-29T13:00:00Z"));
  expect(again?.revokedAt).toEqual(new Date("2026-11-29T13:00:00Z"));
  expect(await revokeApiKey("no-such-id", new Date(), prisma)).toBeNull();
});

test("touchApiKey records the last use; a vanished key is not an error", async () => {
  const created = await newKey("bot").create();
  await touchApiKey(created.id, new Date("2026-11-29T15:00:00Z"), prisma);
  expect((await getApiKey(created.id, prisma))?.lastUsedAt).toEqual(new Date("2026-11-29T15:00:00Z"));
  await expect(touchApiKey("gone", new Date(), prisma)).resolves.toBeUndefined();
});

test("a key is found by its id or by its prefix, with or without sy-", async () => {
  const { generated, create } = newKey("bot");
  const created = await create();
  await newKey("other").create();
  for (const ref of [created.id, generated.prefix, generated.prefix.slice(3)]) {
    expect((await findApiKeysByIdOrPrefix(ref, prisma)).map((key) => key.id)).toEqual([created.id]);
  }
  expect(await findApiKeysByIdOrPrefix("sy-", prisma)).toEqual([]);
  expect(await findApiKeysByIdOrPrefix("%", prisma)).toEqual([]);
});
