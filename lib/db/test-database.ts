import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createPrismaClient, type PrismaClient } from "./client";
import { applyMigrations } from "./migrate";

const migrationsDir = path.resolve(import.meta.dirname, "../../prisma/migrations");

/**
 * For a test file: a fresh, migrated SQLite database in a temp folder for the whole file, removed afterwards.
 * Read `prisma` and `dbFile` inside tests or hooks (they exist once the file's first beforeAll ran).
 */
export function migratedTestDatabase(name: string): { readonly prisma: PrismaClient; readonly dbFile: string } {
  let dir = "";
  let client: PrismaClient | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), `switchyard-${name}-`));
    applyMigrations(path.join(dir, "switchyard.db"), migrationsDir);
    client = createPrismaClient(path.join(dir, "switchyard.db"));
  });
  afterAll(async () => {
    await client?.$disconnect();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get prisma() {
      if (!client) throw new Error("the test database is opened in beforeAll");
      return client;
    },
    get dbFile() {
      return path.join(dir, "switchyard.db");
    },
  };
}
