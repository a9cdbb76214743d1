import { REQUEST_LOG_COLUMNS, REQUEST_LOG_FIELDS, type RequestLogFieldSpec } from "@/lib/request-log/record";

// The request log as a file: CSV (every column but the captured bodies, which never leave the detail view) or
// NDJSON (one JSON object a line), formatted on the reader worker as its cursor goes.
//
// Lines are made from the values as SQLite stores them (a raw row: one value per column of REQUEST_LOG_COLUMNS, in
// that order), never through row objects and Dates: at hundreds of thousands of rows a second the per-row objects
// were most of an export's cost. The output is byte for byte what formatting the converted row (rows.ts'
// fromStoredRow) gives: dates as ISO strings ending in "Z", booleans as true/false (export-format.int.test.ts).

export type ExportFormat = "csv" | "ndjson";

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

export function exportHeader(format: ExportFormat): string {
  return format === "csv" ? `${REQUEST_LOG_COLUMNS.join(",")}\n` : "";
}

/** The last line of a capped export, so a cut file says so. */
export function exportCapNotice(format: ExportFormat, cap: number): string {
  const message = `export stopped at ${cap} rows; narrow the filters or the time range for the rest`;
  return format === "csv" ? `# ${message}\n` : `${JSON.stringify({ truncated: true, message })}\n`;
}

/** A CSV cell; text a spreadsheet would run as a formula (any client can plant it via its User-Agent) is defused. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const raw = value instanceof Date ? value.toISOString() : String(value);
  const text = typeof value === "string" && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row as stored, one value per column of REQUEST_LOG_COLUMNS (a statement in raw mode). */
export type RawRow = readonly unknown[];

/** Where each column's value is in a raw row. */
export const RAW_COLUMN_INDEX = Object.fromEntries(REQUEST_LOG_COLUMNS.map((column, i) => [column, i])) as Record<(typeof REQUEST_LOG_COLUMNS)[number], number>;

/**
 * A stored timestamp ("2026-11-27T12:00:00.000+00:00", lib/db/timestamps.ts) as Date#toISOString writes it
 * ("2026-11-27T12:00:00.000Z"). Anything in another shape goes through a Date, exactly as the row conversion does.
 */
function isoFromStored(value: unknown): string {
  if (typeof value === "string" && value.length === 29 && value.endsWith("+00:00") && value.charCodeAt(10) === 84 /* T */ && value.charCodeAt(19) === 46 /* . */) {
    return `${value.slice(0, 23)}Z`;
  }
  return new Date(value as string).toISOString();
}

type Kind = "date" | "boolean" | "value";

const KINDS: readonly Kind[] = REQUEST_LOG_COLUMNS.map((column) => {
  const spec: RequestLogFieldSpec = REQUEST_LOG_FIELDS[column];
  return spec.type === "date" ? "date" : spec.type === "boolean" ? "boolean" : "value";
});

/** Text csvCell would change (a formula's first character, or a character that needs quoting): one test for the common case. */
const CSV_SPECIAL = /^[=+\-@\t\r]|[",\n\r]/;

function csvLine(row: RawRow): string {
  let line = "";
  for (let i = 0; i < KINDS.length; i++) {
    if (i > 0) line += ",";
    const value = row[i];
    if (value === null || value === undefined) continue;
    const kind = KINDS[i];
    if (kind === "date") line += isoFromStored(value);
    else if (kind === "boolean") line += value === 1 || value === true ? "true" : "false";
    else if (typeof value === "number") line += String(value); // digits, ".", "-", "e": never quoted nor defused
    else if (typeof value === "string" && !CSV_SPECIAL.test(value)) line += value;
    else line += csvCell(value);
  }
  return `${line}\n`;
}

/** `"id":`, `,"clientRequestId":`, …: each key as JSON.stringify writes it, with the comma before it. */
const JSON_KEYS: readonly string[] = REQUEST_LOG_COLUMNS.map((column, i) => `${i === 0 ? "{" : ","}${JSON.stringify(column)}:`);

function ndjsonLine(row: RawRow): string {
  let line = "";
  for (let i = 0; i < KINDS.length; i++) {
    line += JSON_KEYS[i];
    const value = row[i];
    if (value === null || value === undefined) line += "null";
    else {
      const kind = KINDS[i];
      if (kind === "date") line += `"${isoFromStored(value)}"`; // an ISO timestamp has nothing to escape
      else if (kind === "boolean") line += value === 1 || value === true ? "true" : "false";
      else line += JSON.stringify(value);
    }
  }
  return `${line}}\n`;
}

/** The line of one raw row in the format. */
export function rawRowFormatter(format: ExportFormat): (row: RawRow) => string {
  return format === "csv" ? csvLine : ndjsonLine;
}
