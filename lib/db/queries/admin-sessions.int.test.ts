import { beforeAll, expect, test } from "vitest";
import type { PrismaClient } from "@/lib/db/client";
import { migratedTestDatabase } from "@/lib/db/test-database";
import { createAdminSession, deleteAdminSession, deleteExpiredAdminSessions, findAdminSession, touchAdminSession } from "@/lib/db/queries/admin-sessions";

const database = migratedTestDatabase("sessions");
let prisma: PrismaClient;

beforeAll(() => {
  prisma = database.prisma;
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
