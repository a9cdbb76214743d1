import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { createAdminSession, deleteAdminSession, deleteExpiredAdminSessions, findAdminSession, touchAdminSession } from "@/lib/db/queries/admin-sessions";

let tempDir: string;
let prisma: PrismaClient;

beforeAll(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), "switchyard-sessions-"));
  const dbFile = path.join(tempDir, "switchyard.db");
  applyMigrations(dbFile, path.resolve(import.meta.dirname, "../../../prisma/migrations"));
  prisma = createPrismaClient(dbFile);
});

afterAll(async () => {
  await prisma.$disconnect();
  rmSync(tempDir, { recursive: true, force: true });
});

const at = (iso: string) => new Date(`2026-11-29T${iso}Z`);

test("a session is created, found, touched and deleted; deleting twice is fine", async () => {
  await createAdminSession({ id: "a".repeat(64), createdAt: at("12:00:00"), expiresAt: at("20:00:00"), userAgent: "Firefox", clientAddress: "10.0.0.7" }, prisma);
  expect(await findAdminSession("a".repeat(64), prisma)).toEqual({
    id: "a".repeat(64),
    createdAt: at("12:00:00"),
    expiresAt: at("20:00:00"),
    lastSeenAt: at("12:00:00"),
    userAgent: "Firefox",
    clientAddress: "10.0.0.7",
  });
  await touchAdminSession("a".repeat(64), at("13:00:00"), prisma);
  expect((await findAdminSession("a".repeat(64), prisma))?.lastSeenAt).toEqual(at("13:00:00"));
  await deleteAdminSession("a".repeat(64), prisma);
  await deleteAdminSession("a".repeat(64), prisma);
  expect(await findAdminSession("a".repeat(64), prisma)).toBeNull();
});

test("expired sessions are swept, live ones stay", async () => {
  for (const [id, expires] of [["b", "11:00:00"], ["c", "12:00:00"], ["d", "12:00:01"]] as const) {
    await createAdminSession({ id, createdAt: at("10:00:00"), expiresAt: at(expires) }, prisma);
  }
  expect(await deleteExpiredAdminSessions(at("12:00:00"), prisma)).toBe(2);
  expect((await prisma.adminSession.findMany()).map((row) => row.id)).toEqual(["d"]);
});
