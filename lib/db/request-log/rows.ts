import type { RequestLog } from "@/lib/db/generated/prisma/client";
import { toDbTimestamp } from "@/lib/db/timestamps";
import {
  REQUEST_LOG_COLUMNS,
  REQUEST_LOG_FIELDS,
  type RequestLogColumn,
  type RequestLogEntry,
  type RequestLogFieldSpec,
  type RequestLogRowValues,
} from "@/lib/request-log/record";

// A RequestLog row between JavaScript and SQLite, for the code that reads and writes the log without Prisma (the
// writer, the reader worker): the same storage Prisma's adapter uses (ISO timestamps with "+00:00", booleans 0/1).

export type SqlValue = string | number | null;
export type StoredRow = Record<RequestLogColumn, SqlValue>;

/** A RequestLog row as the API and the console receive it. */
export type RequestLogRow = RequestLogRowValues;

// Telemetry readings are best effort: NaN or Infinity (e.g. a division over an empty window) is stored as unknown.
const finiteOrNull = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** One field's value as its column stores it. */
function toSqlValue(field: RequestLogColumn, value: unknown): SqlValue {
  const spec: RequestLogFieldSpec = REQUEST_LOG_FIELDS[field];
  switch (spec.type) {
    case "date":
      if (spec.nullable && !value) return null;
      return toDbTimestamp(value as Date); // throws on an invalid Date
    case "boolean":
      return value ? 1 : 0;
    case "reading":
      return finiteOrNull(value);
    default:
      if (value !== undefined && value !== null) return value as SqlValue;
      if (spec.default !== undefined) return spec.default as SqlValue;
      return spec.nullable ? null : (value as SqlValue);
  }
}

/** An entry as the row it becomes; throws for a malformed entry (the writer drops it alone). */
export function toStoredRow(entry: RequestLogEntry): StoredRow {
  if (!Number.isSafeInteger(entry.id) || entry.id <= 0) throw new Error("request log entry without an id");
  const row: Partial<StoredRow> = {};
  for (const column of REQUEST_LOG_COLUMNS) row[column] = toSqlValue(column, entry[column as keyof RequestLogEntry]);
  row.statusClass = typeof entry.status === "number" ? Math.floor(entry.status / 100) : null;
  return row as StoredRow;
}

/** A row read with SELECT * (or the columns of REQUEST_LOG_COLUMNS) as its values. */
export function fromStoredRow(stored: Record<string, unknown>): RequestLogRow {
  const row: Partial<Record<RequestLogColumn, unknown>> = {};
  for (const column of REQUEST_LOG_COLUMNS) {
    const value = stored[column];
    const spec: RequestLogFieldSpec = REQUEST_LOG_FIELDS[column];
    if (value === null || value === undefined) row[column] = null;
    else if (spec.type === "date") row[column] = new Date(value as string);
    else if (spec.type === "boolean") row[column] = value === 1 || value === true;
    else row[column] = value;
  }
  return row as RequestLogRow;
}

// The field table (lib/request-log/record.ts) and the Prisma model describe the same row: the same fields, and each
// value fits its column and the reverse (the column's outcome is any string). A field added to one only fails here.
type SameFields<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
type Fits<A, B> = [A] extends [B] ? true : false;
type Assert<Checks extends true[]> = Checks;
type _RequestLogTableMatchesSchema = Assert<
  [SameFields<RequestLog, RequestLogRow>, Fits<RequestLogRow, RequestLog>, Fits<Omit<RequestLog, "outcome">, Omit<RequestLogRow, "outcome">>]
>;
