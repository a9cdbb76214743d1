import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "@/lib/db/generated/prisma/client";
import { connectionPragmas } from "@/lib/db/sqlite";
import { DB_TIMESTAMP_FORMAT } from "@/lib/db/timestamps";

export type { PrismaClient };

/** The adapter factory offers no hook for pragmas, so every connection it opens gets ours here. */
class SwitchyardSqliteAdapterFactory extends PrismaBetterSqlite3 {
  override async connect(): ReturnType<PrismaBetterSqlite3["connect"]> {
    const adapter = await super.connect();
    await adapter.executeScript(connectionPragmas());
    return adapter;
  }
}

/** A new Prisma client on a SQLite file. Prefer getPrisma(); this is for tools and tests. */
export function createPrismaClient(dbFile: string): PrismaClient {
  const adapter = new SwitchyardSqliteAdapterFactory(
    { url: dbFile },
    // Spelled out because the request-log writer writes the same format (see timestamps.ts).
    { timestampFormat: DB_TIMESTAMP_FORMAT },
  );
  return new PrismaClient({ adapter });
}

type PrismaSingleton = { client: PrismaClient; dbFile: string };

// On globalThis so that Next's dev-mode module reloads keep reusing one client (and one connection).
const holder = globalThis as typeof globalThis & { __switchyardPrisma?: PrismaSingleton };

/**
 * The process-wide Prisma client. The first call (at start-up) must name the database file; later calls
 * may omit it. Asking for a different file than the open one is a programming error and throws.
 */
export function getPrisma(dbFile?: string): PrismaClient {
  const current = holder.__switchyardPrisma;
  if (current) {
    if (dbFile !== undefined && path.resolve(dbFile) !== current.dbFile) {
      throw new Error(`getPrisma: the database ${current.dbFile} is already open; refusing to switch to ${dbFile}.`);
    }
    return current.client;
  }
  if (dbFile === undefined) {
    throw new Error("getPrisma: no database is open yet; call getPrisma(dbFile) once at start-up.");
  }
  const resolved = path.resolve(dbFile);
  const client = createPrismaClient(resolved);
  holder.__switchyardPrisma = { client, dbFile: resolved };
  return client;
}

/** Disconnects and forgets the process-wide client (shutdown, tests). */
export async function disconnectPrisma(): Promise<void> {
  const current = holder.__switchyardPrisma;
  holder.__switchyardPrisma = undefined;
  if (current) await current.client.$disconnect();
}
