import type { SqliteDatabase } from "@/lib/db/sqlite";
import { RAW_COLUMN_INDEX, type RawRow } from "./export-format";
import { mergeNewestFirst } from "./merge";
import { walksFor, type RequestLogFilters } from "./queries";

// The rows of an export as SQLite gives them: arrays in the column order of REQUEST_LOG_COLUMNS (the walks' default
// column list), from the same index walks as the console's pages (./queries.ts), newest first.

const AT = RAW_COLUMN_INDEX.receivedAt;
const ID = RAW_COLUMN_INDEX.id;
const positionOf = (row: RawRow) => ({ at: row[AT] as string, id: row[ID] as number });

/** The rows matching `filters`, newest first, as raw rows (one cursor per walk; call return() to close them early). */
export function iterateRawRows(db: SqliteDatabase, filters: RequestLogFilters): Iterator<RawRow> {
  const walks = walksFor(filters, null, null).map((walk) => db.prepare(walk.sql).raw(true).iterate(...walk.params) as Iterator<RawRow>);
  return walks.length === 1 ? walks[0]! : mergeNewestFirst(walks, positionOf);
}
