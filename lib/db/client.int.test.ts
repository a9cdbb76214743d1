import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { toDbTimestamp } from "@/lib/db/timestamps";

const migrationsDir = path.resolve(import.meta.dirname, "../../prisma/migrations");
let tempDir: string;
let dbFile: string;

beforeAll(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), "switchyard-client-"));
  dbFile = path.join(tempDir, "switchyard.db");
  applyMigrations(dbFile, migrationsDir);
});

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

async function withClient<T>(file: string, run: (prisma: PrismaClient) => Promise<T>): Promise<T> {
  const prisma = createPrismaClient(file);
  try {
    return await run(prisma);
  } finally {
    await prisma.$disconnect();
  }
}

test("Prisma's connection gets the same pragmas as every other connection", async () => {
  await withClient(dbFile, async (prisma) => {
    const pragma = async (name: string) =>
      Object.values(((await prisma.$queryRawUnsafe(`PRAGMA ${name}`)) as Array<Record<string, unknown>>)[0] ?? {})[0];
    expect(await pragma("journal_mode")).toBe("wal");
    expect(Number(await pragma("busy_timeout"))).toBe(5000);
    expect(Number(await pragma("synchronous"))).toBe(1); // NORMAL
    expect(Number(await pragma("foreign_keys"))).toBe(1);
  });
});

test("Prisma stores dates in the text format the request-log writer writes (toDbTimestamp)", async () => {
  const at = new Date("2026-11-27T12:00:00.123Z");
  await withClient(dbFile, async (prisma) => {
    await prisma.adminSession.create({ data: { id: "timestamp-format", createdAt: at, expiresAt: at, lastSeenAt: at } });
    // Cast, because a raw query would hand the DateTime column back as a Date.
    const rows = (await prisma.$queryRawUnsafe(`SELECT CAST(createdAt AS TEXT) AS stored FROM AdminSession WHERE id = 'timestamp-format'`)) as Array<{ stored: unknown }>;
    expect(rows).toEqual([{ stored: toDbTimestamp(at) }]);
    expect((await prisma.adminSession.findUnique({ where: { id: "timestamp-format" } }))?.createdAt).toEqual(at);
  });
});

test("each client works on the file it was created with, independently of any other", async () => {
  const otherFile = path.join(tempDir, "second.db");
  applyMigrations(otherFile, migrationsDir);
  await withClient(dbFile, (first) =>
    withClient(otherFile, async (second) => {
      await first.labState.create({ data: { key: "only-in-first", value: "1" } });
      expect(await first.labState.count({ where: { key: "only-in-first" } })).toBe(1);
      expect(await second.labState.count()).toBe(0);
    }),
  );
});
