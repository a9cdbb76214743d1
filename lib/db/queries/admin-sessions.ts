import type { PrismaClient } from "@/lib/db/client";
import type { AdminSessionStore } from "@/lib/auth/admin";
import type { AdminSession } from "@/lib/db/generated/prisma/client";

// Console sessions. The row's id is the SHA-256 of the session token (lib/auth/admin.ts): the token itself
// exists only in the browser's cookie, so reading the database does not let anyone sign in.

export type { AdminSession };

export interface CreateAdminSessionInput {
  /** SHA-256 (hex) of the session token. */
  id: string;
  createdAt: Date;
  expiresAt: Date;
  userAgent?: string | null;
  clientAddress?: string | null;
}

export async function createAdminSession(input: CreateAdminSessionInput, prisma: PrismaClient): Promise<AdminSession> {
  return prisma.adminSession.create({
    data: {
      id: input.id,
      createdAt: input.createdAt,
      expiresAt: input.expiresAt,
      lastSeenAt: input.createdAt,
      userAgent: input.userAgent ?? null,
      clientAddress: input.clientAddress ?? null,
    },
  });
}

/** The session with this token hash, expired or not (the caller decides against its own clock). */
export async function findAdminSession(id: string, prisma: PrismaClient): Promise<AdminSession | null> {
  return prisma.adminSession.findUnique({ where: { id } });
}

export async function touchAdminSession(id: string, at: Date, prisma: PrismaClient): Promise<void> {
  await prisma.adminSession.updateMany({ where: { id }, data: { lastSeenAt: at } });
}

/** Signs a session out. Deleting one that is already gone is not an error. */
export async function deleteAdminSession(id: string, prisma: PrismaClient): Promise<void> {
  await prisma.adminSession.deleteMany({ where: { id } });
}

/** Removes sessions that expired at or before `now`; returns how many. */
export async function deleteExpiredAdminSessions(now: Date = new Date(), prisma: PrismaClient): Promise<number> {
  const { count } = await prisma.adminSession.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}

/** The console's session store (lib/auth/admin.ts) on this database. */
export function prismaAdminSessionStore(prisma: PrismaClient): AdminSessionStore {
  return {
    create: async (session) => void (await createAdminSession(session, prisma)),
    find: (id) => findAdminSession(id, prisma),
    touch: (id, at) => touchAdminSession(id, at, prisma),
    delete: (id) => deleteAdminSession(id, prisma),
    deleteExpired: (now) => deleteExpiredAdminSessions(now, prisma),
  };
}
