import type { GpuSample } from "./types";

/**
 * What we ask nvidia-smi for, in this order. `clocks.sm` is nvidia-smi's alias of `clocks.current.sm`;
 * `power.limit` is the software limit (the lab enforces 350 W on its 3090s with it).
 */
export const NVIDIA_SMI_QUERY_FIELDS = [
  "timestamp",
  "index",
  "uuid",
  "name",
  "utilization.gpu",
  "memory.used",
  "memory.total",
  "temperature.gpu",
  "power.draw",
  "power.limit",
  "clocks.sm",
  "fan.speed",
] as const;

/** Arguments (without the command) for one long-lived nvidia-smi that prints a row per GPU every `intervalMs`. */
export function buildNvidiaSmiArgs(intervalMs: number, fields: readonly string[] = NVIDIA_SMI_QUERY_FIELDS): string[] {
  const loopMs = Math.max(1, Math.round(intervalMs));
  return [`--query-gpu=${fields.join(",")}`, "--format=csv,noheader,nounits", "-lms", String(loopMs)];
}

// nvidia-smi's headers name some fields by their long form even when asked with the alias
// (`clocks.sm` comes back as `clocks.current.sm [MHz]`), so both spellings map to one key.
const COLUMN_ALIASES: Readonly<Record<string, string>> = {
  "clocks.current.sm": "clocks.sm",
  "gpu.power.requested_limit": "power.limit",
  "gpu.power.draw": "power.draw",
};

/** `"memory.used [MiB]"` -> `"memory.used"`; aliases folded onto the names in NVIDIA_SMI_QUERY_FIELDS. */
export function normaliseNvidiaSmiColumn(header: string): string {
  const name = header.replace(/\s*\[[^\]]*\]\s*$/, "").trim();
  return COLUMN_ALIASES[name] ?? name;
}

/** Column keys of a `--format=csv` header line. */
export function parseNvidiaSmiHeader(line: string): string[] {
  return splitNvidiaSmiCsvLine(line).map(normaliseNvidiaSmiColumn);
}

// nvidia-smi's CSV is not quoted: cells are separated by ", " and no field we read contains a comma.
export function splitNvidiaSmiCsvLine(line: string): string[] {
  return line.replace(/\r$/, "").split(",").map((cell) => cell.trim());
}

const NUMBER_WITH_OPTIONAL_UNIT = /^([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)(?:\s*(?:%|[A-Za-z]+))?$/;

/**
 * A numeric cell, with or without its unit (`"26.20 W"`, `"26.20"`, `"0 %"`, `"434 MiB"`).
 * `[N/A]`, `N/A`, `[Not Supported]`, `[Requested functionality has been deprecated]`, any other bracketed
 * message and empty cells are `null`.
 */
export function parseNvidiaSmiNumber(cell: string): number | null {
  const match = NUMBER_WITH_OPTIONAL_UNIT.exec(cell.trim());
  if (!match?.[1]) return null;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : null;
}

/** A text cell, or `undefined` when nvidia-smi has nothing to say (`[N/A]`, empty, ...). */
export function parseNvidiaSmiText(cell: string): string | undefined {
  const text = cell.trim();
  if (text === "" || text === "N/A" || /^\[.*\]$/.test(text)) return undefined;
  return text;
}

/**
 * `"2026/06/26 11:59:44.226"` -> epoch ms. nvidia-smi prints the host's local time without a zone, so this reads it
 * as local time of this process: right when both share the host's zone, which is why the collector prefers its own
 * clock and this is used for recorded output.
 */
export function parseNvidiaSmiTimestamp(cell: string): number | null {
  const match = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(cell.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, millis] = match;
  const ms = new Date(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    Number((millis ?? "0").padEnd(3, "0")),
  ).getTime();
  return Number.isNaN(ms) ? null : ms;
}

export interface NvidiaSmiRowOptions {
  /** Column keys of the row, as normalised header names. Default: NVIDIA_SMI_QUERY_FIELDS (the noheader stream). */
  columns?: readonly string[];
  /** Stamp every sample with this time instead of the row's own `timestamp` cell. */
  at?: number;
}

/**
 * One CSV row -> GpuSample, or `null` when the line is not a data row (an nvidia-smi error message such as
 * "No devices were found", a header, a row whose cell count does not match the columns, a row without an index).
 */
export function parseNvidiaSmiRow(line: string, options: NvidiaSmiRowOptions = {}): GpuSample | null {
  const columns = options.columns ?? NVIDIA_SMI_QUERY_FIELDS;
  const cells = splitNvidiaSmiCsvLine(line);
  if (cells.length !== columns.length) return null;

  const byColumn = new Map<string, string>();
  columns.forEach((column, i) => byColumn.set(column, cells[i] ?? ""));
  const cell = (column: string) => byColumn.get(column) ?? "";
  const number = (column: string) => parseNvidiaSmiNumber(cell(column));

  const index = number("index");
  if (index === null || !Number.isInteger(index) || index < 0) return null;

  const sample: GpuSample = {
    index,
    at: options.at ?? parseNvidiaSmiTimestamp(cell("timestamp")) ?? Date.now(),
    utilizationPct: number("utilization.gpu"),
    memoryUsedMiB: number("memory.used"),
    memoryTotalMiB: number("memory.total"),
    temperatureC: number("temperature.gpu"),
    powerDrawW: number("power.draw"),
    powerLimitW: number("power.limit"),
    smClockMHz: number("clocks.sm"),
    fanPct: number("fan.speed"),
  };
  const uuid = parseNvidiaSmiText(cell("uuid"));
  const name = parseNvidiaSmiText(cell("name"));
  if (uuid !== undefined) sample.uuid = uuid;
  if (name !== undefined) sample.name = name;
  return sample;
}

/**
 * A whole `nvidia-smi --query-gpu` output. Without `columns`, the first non-empty line is taken as the header
 * (`--format=csv`); with them, every line is a data row (`noheader`). Lines that are not rows are skipped.
 */
export function parseNvidiaSmiCsv(text: string, options: NvidiaSmiRowOptions = {}): GpuSample[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  let columns = options.columns;
  if (!columns) {
    const header = lines.shift();
    if (header === undefined) return [];
    columns = parseNvidiaSmiHeader(header);
  }
  const rowOptions: NvidiaSmiRowOptions = { columns };
  if (options.at !== undefined) rowOptions.at = options.at;
  return lines.flatMap((line) => parseNvidiaSmiRow(line, rowOptions) ?? []);
}
