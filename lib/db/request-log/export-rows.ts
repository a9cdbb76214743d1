import type { SqliteDatabase } from "@/lib/db/sqlite";
import { RAW_COLUMN_INDEX, type RawRow } from "./export-format";
import { walksFor, type RequestLogFilters } from "./queries";

// The rows of an export as SQLite gives them: arrays in the column order of REQUEST_LOG_COLUMNS (the walks' default
// column list), from the same index walks as the console's pages (./queries.ts), newest first.

const AT = RAW_COLUMN_INDEX.receivedAt;
const ID = RAW_COLUMN_INDEX.id;

/** Stored timestamps are one fixed-width text format, so their text order is their time order. */
function isNewer(a: RawRow, b: RawRow): boolean {
  const atA = a[AT] as string;
  const atB = b[AT] as string;
  return atA === atB ? (a[ID] as number) > (b[ID] as number) : atA > atB;
}

/**
 * Newest first, from several walks that are each newest first. return() closes every walk's cursor, also before the
 * first next() (where a generator's finally would never run).
 */
function mergeNewestFirst(walks: Iterator<RawRow>[]): Iterator<RawRow> {
  let heads: IteratorResult<RawRow>[] | null = null;
  const close = (): IteratorReturnResult<undefined> => {
    for (const walk of walks.splice(0)) walk.return?.();
    return { done: true, value: undefined };
  };
  return {
    next() {
      if (walks.length === 0) return { done: true, value: undefined };
      heads ??= walks.map((walk) => walk.next());
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        if (heads[i]!.done) continue;
        if (best < 0 || isNewer(heads[i]!.value as RawRow, heads[best]!.value as RawRow)) best = i;
      }
      if (best < 0) return close();
      const row = heads[best]!.value as RawRow;
      heads[best] = walks[best]!.next();
      return { done: false, value: row };
    },
    return: close,
  };
}

/** The rows matching `filters`, newest first, as raw rows (one cursor per walk; call return() to close them early). */
export function iterateRawRows(db: SqliteDatabase, filters: RequestLogFilters): Iterator<RawRow> {
  const walks = walksFor(filters, null, null).map((walk) => db.prepare(walk.sql).raw(true).iterate(...walk.params) as Iterator<RawRow>);
  return walks.length === 1 ? walks[0]! : mergeNewestFirst(walks);
}
