import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { getLabStateValue, setLabStateValue } from "@/lib/db/queries/lab-state";

let tempDir: string;
let dbFile: string;
let prisma: PrismaClient;

beforeAll(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), "switchyard-lab-state-"));
  dbFile = path.join(tempDir, "switchyard.db");
  applyMigrations(dbFile, path.resolve(import.meta.dirname, "../../../prisma/migrations"));
  prisma = createPrismaClient(dbFile);
});

afterAll(async () => {
  await prisma.$disconnect();
  rmSync(tempDir, { recursive: true, force: true });
});

test("a value is absent until set, then survives a new client (a restart)", async () => {
  expect(await getLabStateValue("currentMode", prisma)).toBeNull();
  await setLabStateValue("currentMode", "standard", prisma);
  await setLabStateValue("currentMode", "deep", prisma);
  await setLabStateValue("other", "x", prisma);

  const afterRestart = createPrismaClient(dbFile);
  try {
    expect(await getLabStateValue("currentMode", afterRestart)).toBe("deep");
    expect(await getLabStateValue("other", afterRestart)).toBe("x");
  } finally {
    await afterRestart.$disconnect();
  }
});

test("updatedAt moves forward on every write", async () => {
  await setLabStateValue("clock", "1", prisma);
  const first = await prisma.labState.findUniqueOrThrow({ where: { key: "clock" } });
  await new Promise((resolve) => setTimeout(resolve, 5));
  await setLabStateValue("clock", "2", prisma);
  const second = await prisma.labState.findUniqueOrThrow({ where: { key: "clock" } });
  expect(second.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
});
