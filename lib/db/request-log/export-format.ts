import { REQUEST_LOG_COLUMNS } from "@/lib/request-log/record";
import { fromStoredRow } from "./rows";

// The request log as a file: CSV (every column but the captured bodies, which never leave the detail view) or
// NDJSON (one JSON object a line), formatted on the reader worker as its cursor goes.

export type ExportFormat = "csv" | "ndjson";

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

export function exportHeader(format: ExportFormat): string {
  return format === "csv" ? `${REQUEST_LOG_COLUMNS.join(",")}\n` : "";
}

export function exportLine(format: ExportFormat, stored: Record<string, unknown>): string {
  const row = fromStoredRow(stored);
  if (format === "ndjson") return `${JSON.stringify(row)}\n`;
  return `${REQUEST_LOG_COLUMNS.map((column) => csvCell(row[column])).join(",")}\n`;
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
