import { BrandedError } from "@/lib/errors/branded-error";
// Keyset pagination cursors for "newest first" lists ordered by (timestamp desc, id desc): the cursor is the
// (timestamp, id) of the last row handed out, JSON then base64url so it fits in a URL and stays opaque to clients.

export const DEFAULT_PAGE_SIZE = 50;

export type KeysetPosition<Id extends string | number> = { at: Date; id: Id };

export type Page<Row> = { rows: Row[]; nextCursor: string | null };

export class InvalidCursorError extends BrandedError {
  static override readonly brand = "switchyard.InvalidCursorError";
  override readonly name = "InvalidCursorError";
  // The same code as the request log's cursor error, so one API mapping covers every list.
  readonly code = "invalid_cursor";
  constructor() {
    super("The cursor is malformed; start again from the first page.");
  }
}

export function encodeKeysetCursor(position: KeysetPosition<string | number>): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id]), "utf8").toString("base64url");
}

type IdTypes = { string: string; number: number };

export function decodeKeysetCursor<T extends keyof IdTypes>(cursor: string, idType: T): KeysetPosition<IdTypes[T]> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === idType) {
      const at = new Date(value[0]);
      const id = value[1] as IdTypes[T];
      if (!Number.isNaN(at.getTime()) && (typeof id === "string" || Number.isSafeInteger(id))) return { at, id };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

/** Clamps a requested page size to 1..max (default when absent). */
export function clampPageSize(limit: number | undefined, max: number, fallback: number = DEFAULT_PAGE_SIZE): number {
  const requested = limit === undefined || Number.isNaN(limit) ? fallback : Math.floor(limit);
  return Math.min(Math.max(requested, 1), max);
}

/** Takes the page from `limit + 1` fetched rows; the extra row only says whether another page exists. */
export function toPage<Row>(
  rows: Row[],
  limit: number,
  positionOf: (row: Row) => KeysetPosition<string | number>,
): Page<Row> {
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { rows: page, nextCursor: hasMore && last !== undefined ? encodeKeysetCursor(positionOf(last)) : null };
}

/** A Prisma where-clause: the rows after a position in (at desc, id desc) order. */
export type OlderThan<At extends string, Id> = { OR: [Record<At, { lt: Date }>, Record<At, Date> & { id: { lt: Id } }] };

/** The rows after `position` in (at desc, id desc) order: older, or as old with a smaller id. */
export function olderThan<At extends string, Id extends string | number>(at: At, position: KeysetPosition<Id>): OlderThan<At, Id> {
  const older = { [at]: { lt: position.at } } as Record<At, { lt: Date }>;
  const asOldWithSmallerId = { [at]: position.at, id: { lt: position.id } } as Record<At, Date> & { id: { lt: Id } };
  return { OR: [older, asOldWithSmallerId] };
}

/** What a keyset-paginated list hands its findMany: where (filters AND after the cursor), orderBy, take. */
export type KeysetQuery<At extends string, Id, Where> = {
  where: { AND: (Where | OlderThan<At, Id>)[] };
  orderBy: [Record<At, "desc">, { id: "desc" }];
  take: number;
};

/**
 * One page of a "newest first" list keyset-paginated on (`at` desc, id desc). `fetch` runs the query it is given:
 * the filters and, after a cursor, `olderThan` the cursor; the order; one row more than the page (the extra row only
 * says whether another page exists). Throws InvalidCursorError for a malformed cursor.
 */
export async function keysetPage<At extends string, T extends keyof IdTypes, Where, Row extends Record<At, Date> & { id: IdTypes[T] }>(
  keys: {
    at: At;
    idType: T;
    /** The nextCursor of the previous page; absent for the first page. */
    cursor?: string | null;
    /** The requested page size, clamped to 1..maxLimit (defaultLimit when absent). */
    limit?: number;
    maxLimit: number;
    defaultLimit?: number;
  },
  filters: readonly Where[],
  fetch: (query: KeysetQuery<At, IdTypes[T], Where>) => Promise<Row[]>,
): Promise<Page<Row>> {
  const { at } = keys;
  const limit = clampPageSize(keys.limit, keys.maxLimit, keys.defaultLimit);
  const where: (Where | OlderThan<At, IdTypes[T]>)[] = [...filters];
  if (keys.cursor) where.push(olderThan(at, decodeKeysetCursor(keys.cursor, keys.idType)));
  const orderBy: [Record<At, "desc">, { id: "desc" }] = [{ [at]: "desc" } as Record<At, "desc">, { id: "desc" }];
  const rows = await fetch({ where: { AND: where }, orderBy, take: limit + 1 });
  return toPage(rows, limit, (row) => ({ at: row[at], id: row.id }));
}
