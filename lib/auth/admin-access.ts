import type { PrismaClient } from "@/lib/db/client";
import { createAdminSession, deleteAdminSession, deleteExpiredAdminSessions, findAdminSession, touchAdminSession } from "@/lib/db/queries/admin-sessions";
import { createAdminAuth, type AdminAuth, type AdminSessionStore, type AdminVia } from "./admin";

/**
 * The process-wide admin access, set up once at start-up (lib/app/switchyard.ts) from the environment.
 * Route handlers reach it through `requireAdmin(request)`; until start-up has installed it, every admin
 * request fails (500) rather than falling back to an open console.
 */

const holder = globalThis as typeof globalThis & { __switchyardAdminAuth?: AdminAuth };

/** Sessions in the database, through lib/db/queries/admin-sessions.ts. */
export function prismaAdminSessionStore(prisma?: PrismaClient): AdminSessionStore {
  return {
    create: async (session) => void (await createAdminSession(session, prisma)),
    find: (id) => findAdminSession(id, prisma),
    touch: (id, at) => touchAdminSession(id, at, prisma),
    delete: (id) => deleteAdminSession(id, prisma),
    deleteExpired: (now) => deleteExpiredAdminSessions(now, prisma),
  };
}

/** Creates the admin access from the configured secrets and installs it for this process. */
export async function startAdminAuth(options: { password?: string | null; token?: string | null; prisma?: PrismaClient }): Promise<AdminAuth> {
  const auth = await createAdminAuth({ password: options.password, token: options.token, sessions: prismaAdminSessionStore(options.prisma) });
  installAdminAuth(auth);
  return auth;
}

export function installAdminAuth(auth: AdminAuth): void {
  holder.__switchyardAdminAuth = auth;
}

export function getAdminAuth(): AdminAuth {
  const auth = holder.__switchyardAdminAuth;
  if (!auth) throw new Error("Admin access is not set up: Switchyard's start-up must call startAdminAuth() (lib/auth/admin-access.ts).");
  return auth;
}

/** How the request is authorized to use the admin API; ApiError("unauthorized") (401) when it is not. */
export function authorizeAdmin(request: Request): Promise<{ via: AdminVia }> {
  return getAdminAuth().authorize(request);
}

/** Everything an admin handler checks first: authorized (401), and same-origin when it changes something (403). */
export function requireAdmin(request: Request): Promise<{ via: AdminVia }> {
  return getAdminAuth().require(request);
}
