import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { createPrismaClient, disconnectPrisma, getPrisma } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";

let tempDir: string;
let dbFile: string;

beforeAll(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), "switchyard-client-"));
  dbFile = path.join(tempDir, "switchyard.db");
  applyMigrations(dbFile, path.resolve(import.meta.dirname, "../../prisma/migrations"));
});

afterEach(async () => {
  await disconnectPrisma();
});

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

test("Prisma's connection gets the same pragmas as every other connection", async () => {
  const prisma = createPrismaClient(dbFile);
  try {
    const pragma = async (name: string) =>
      Object.values(((await prisma.$queryRawUnsafe(`PRAGMA ${name}`)) as Array<Record<string, unknown>>)[0] ?? {})[0];
    expect(await pragma("journal_mode")).toBe("wal");
    expect(Number(await pragma("busy_timeout"))).toBe(5000);
    expect(Number(await pragma("synchronous"))).toBe(1); // NORMAL
    expect(Number(await pragma("foreign_keys"))).toBe(1);
  } finally {
    await prisma.$disconnect();
  }
});

test("getPrisma needs a file the first time, then returns the same client", async () => {
  expect(() => getPrisma()).toThrow(/no database is open/);
  const client = getPrisma(dbFile);
  expect(getPrisma()).toBe(client);
  expect(getPrisma(path.join(tempDir, ".", "switchyard.db"))).toBe(client);
  expect(await client.requestLog.count()).toBe(0);
});

test("getPrisma refuses to silently switch to another database", () => {
  getPrisma(dbFile);
  expect(() => getPrisma(path.join(tempDir, "other.db"))).toThrow(/already open/);
});

test("after disconnectPrisma a new file may be opened", async () => {
  getPrisma(dbFile);
  await disconnectPrisma();
  const otherFile = path.join(tempDir, "second.db");
  applyMigrations(otherFile, path.resolve(import.meta.dirname, "../../prisma/migrations"));
  expect(await getPrisma(otherFile).labState.count()).toBe(0);
});
