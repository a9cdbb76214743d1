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

/** A Prisma client on a SQLite file. The Switchyard opens one (lib/app/switchyard.ts) and hands it to every query. */
export function createPrismaClient(dbFile: string): PrismaClient {
  const adapter = new SwitchyardSqliteAdapterFactory(
    { url: dbFile },
    // Spelled out because the request-log writer writes the same format (see timestamps.ts).
    { timestampFormat: DB_TIMESTAMP_FORMAT },
  );
  return new PrismaClient({ adapter });
}
