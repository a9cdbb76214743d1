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

export function decodeKeysetCursor(cursor: string, idType: "string"): KeysetPosition<string>;
export function decodeKeysetCursor(cursor: string, idType: "number"): KeysetPosition<number>;
export function decodeKeysetCursor(cursor: string, idType: "string" | "number"): KeysetPosition<string | number> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === idType) {
      const at = new Date(value[0]);
      const id = value[1] as string | number;
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
