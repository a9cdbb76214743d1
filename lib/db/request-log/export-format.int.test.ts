import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { REQUEST_LOG_COLUMNS, type RequestLogEntry } from "@/lib/request-log/record";
import { EXPORT_CHUNK_BYTES, EXPORT_CHUNK_ROWS, ExportChunks } from "./export-chunks";
import { csvCell, exportCapNotice, exportHeader, rawRowFormatter, type ExportFormat, type RawRow } from "./export-format";
import { iterateRawRows } from "./export-rows";
import type { RequestLogFilters } from "./queries";
import { fromStoredRow } from "./rows";
import { createLogFixture, finishedEntry, type LogFixture } from "./test-support";

// Exports are formatted from the values as stored (raw rows), not from converted row objects: the lines must be byte
// for byte what the object path gave. That path (fromStoredRow, then csvCell or JSON.stringify) stays here as the
// reference, and rows of every kind of value are written to a real database and formatted both ways.

/** The export's line as it was made from a converted row (the reference). */
function referenceLine(format: ExportFormat, stored: Record<string, unknown>): string {
  const row = fromStoredRow(stored);
  if (format === "ndjson") return `${JSON.stringify(row)}\n`;
  return `${REQUEST_LOG_COLUMNS.map((column) => csvCell(row[column])).join(",")}\n`;
}

const COLUMN_LIST = REQUEST_LOG_COLUMNS.map((column) => `"${column}"`).join(", ");
const FORMATS: ExportFormat[] = ["csv", "ndjson"];

let log: LogFixture;
beforeEach(() => {
  log = createLogFixture();
});
afterEach(async () => {
  await log.close();
});

async function write(entries: RequestLogEntry[]): Promise<void> {
  for (const entry of entries) log.writer.record(entry);
  await log.writer.flush();
  expect(log.writer.stats()).toMatchObject({ dropped: 0, failedBatches: 0 });
}

/** Every row, newest first, as objects (the reference's input) and as raw rows (the export's). */
function readBothWays(filters: RequestLogFilters = {}): { objects: Record<string, unknown>[]; raw: RawRow[] } {
  const objects = log.db.prepare(`SELECT ${COLUMN_LIST} FROM "RequestLog" ORDER BY "receivedAt" DESC, "id" DESC`).all() as Record<string, unknown>[];
  const raw: RawRow[] = [];
  const rows = iterateRawRows(log.db, filters);
  for (let next = rows.next(); !next.done; next = rows.next()) raw.push(next.value);
  return { objects, raw };
}

function expectSameLines(objects: Record<string, unknown>[], raw: RawRow[]): void {
  expect(raw).toHaveLength(objects.length);
  for (const format of FORMATS) {
    const line = rawRowFormatter(format);
    raw.forEach((row, i) => expect(line(row)).toBe(referenceLine(format, objects[i]!)));
  }
}

/** Everything an export of these rows sends, chunk after chunk, decoded. */
function exported(format: ExportFormat, maxRows: number | null = null): { text: string; chunks: Uint8Array[] } {
  const chunks: Uint8Array[] = [];
  const cursor = new ExportChunks(iterateRawRows(log.db, {}), format, maxRows);
  for (let chunk = cursor.next(); chunk !== null; chunk = cursor.next()) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), chunks };
}

const AWKWARD_STRINGS = [
  "plain",
  "",
  "comma, inside",
  'a "quoted" word',
  "line\nbreak",
  "carriage\rreturn",
  "=SUM(A1:A9)",
  '=HYPERLINK("http://x") "quoted", text',
  "+1",
  "-2",
  "@cmd",
  "\tTab first",
  "\rCR first",
  "mid=equals+plus",
  "ünïcödé – 日本語 – 😀👍🏽 – e\u0301",
  "'already quoted",
  "trailing space ",
  "\u2028\u2029 separators \u0000 nul",
];

describe("a raw row's line is the line the converted row gave", () => {
  test("nulls, booleans, integers, floats, dates, and strings that need quotes, defusing or are not ASCII", async () => {
    const at = (iso: string) => new Date(iso);
    const entries: RequestLogEntry[] = AWKWARD_STRINGS.map((text, i) =>
      finishedEntry(log.writer, {
        clientRequestId: i % 2 ? text : null,
        receivedAt: at(`2026-11-27T12:00:${String(i).padStart(2, "0")}.${String(i * 37).padStart(3, "0")}Z`),
        firstTokenAt: i % 3 === 0 ? null : at(`2026-11-27T12:00:${String(i).padStart(2, "0")}.999Z`),
        finishedAt: i % 4 === 0 ? null : at(`2026-11-27T12:01:00.000Z`),
        userAgent: text,
        errorMessage: text.length ? `${text} (${i})` : null,
        errorCode: i % 5 === 0 ? "upstream_error" : null,
        routeReason: text,
        apiKeyName: text,
        compat: i % 2 ? "tool_choice,reasoning" : null,
        stream: i % 2 === 0,
        status: [200, 499, 503, 400, null][i % 5] ?? null,
        promptTokens: i * 1000,
        completionTokens: i % 3 ? null : 0,
        ttftMs: i % 2 ? 123.456 : 7,
        durationMs: 1e6 + i,
        queueMs: 0,
        attempts: 1 + (i % 3),
        gpuUtilizationPct: i % 2 ? 0.1 + 0.2 : null,
        kvCacheUsage: i % 3 ? 1e-7 : 1,
        backendQueueDepth: i % 4 ? 3 : null,
        energyWh: i % 2 ? 12345678.9 : 0.000123,
      }),
    );
    // Dates far from now: before 1970, the last millisecond of a year, and a year past 9999 (stored in another shape).
    entries.push(
      finishedEntry(log.writer, { receivedAt: at("1969-12-31T23:59:59.999Z"), finishedAt: at("2026-12-31T23:59:59.999Z") }),
      finishedEntry(log.writer, { receivedAt: at("2000-02-29T00:00:00.000Z"), firstTokenAt: new Date(Date.UTC(10_000, 0, 1)) }),
    );
    await write(entries);
    const { objects, raw } = readBothWays();
    expect(raw).toHaveLength(entries.length);
    expectSameLines(objects, raw);
    // What the reference gives for these is what the export always sent: ISO dates with Z, booleans by name.
    const csvRows = raw.map(rawRowFormatter("csv"));
    expect(csvRows.some((line) => line.includes(`,"'=HYPERLINK(""http://x"") ""quoted"", text",`))).toBe(true);
    expect(rawRowFormatter("ndjson")(raw.at(-1)!)).toContain(`"receivedAt":"1969-12-31T23:59:59.999Z"`);
    expect(JSON.parse(rawRowFormatter("ndjson")(raw[0]!))).toMatchObject({ stream: expect.any(Boolean), receivedAt: expect.stringMatching(/Z$/) });
  });

  test("any entry (property): the same line in both formats", async () => {
    const specials = fc.constantFrom("=", "+", "-", "@", "\t", "\r", "\n", '"', ",", "'", " ", "é", "😀", "\u0000");
    const text = fc.array(fc.oneof(specials, fc.string({ unit: "binary", maxLength: 6 })), { maxLength: 6 }).map((parts) => parts.join(""));
    const date = fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true });
    const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(0));
    const entry = fc.record({
      text: fc.option(text),
      other: fc.option(text),
      receivedAt: date,
      firstTokenAt: fc.option(date),
      stream: fc.boolean(),
      status: fc.option(fc.integer({ min: 100, max: 599 })),
      tokens: fc.option(fc.nat()),
      ttft: fc.option(number),
      reading: fc.option(number),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 25 }), async (specs) => {
        log.db.exec(`DELETE FROM "RequestLog"`);
        await write(
          specs.map((spec) =>
            finishedEntry(log.writer, {
              receivedAt: spec.receivedAt,
              firstTokenAt: spec.firstTokenAt,
              clientRequestId: spec.other,
              userAgent: spec.text,
              errorMessage: spec.other,
              apiKeyName: spec.text,
              stream: spec.stream,
              status: spec.status,
              promptTokens: spec.tokens,
              ttftMs: spec.ttft,
              energyWh: spec.reading,
              gpuUtilizationPct: spec.reading,
            }),
          ),
        );
        const { objects, raw } = readBothWays();
        expectSameLines(objects, raw);
      }),
      { numRuns: 40 },
    );
  });

  test("rows merged from several walks (a filter with several values) come newest first, as stored", async () => {
    const entries = Array.from({ length: 60 }, (_, i) =>
      finishedEntry(log.writer, { receivedAt: new Date(Date.UTC(2026, 10, 27, 12, 0, i % 7)), backend: ["qwen-7b", "qwen-14b", "qwen-32b"][i % 3]! }),
    );
    await write(entries);
    const { objects, raw } = readBothWays({ backend: ["qwen-7b", "qwen-14b", "qwen-32b"] });
    expectSameLines(objects, raw);
  });
});

describe("an export's chunks", () => {
  test("are the header and every line, UTF-8, in chunks of at most EXPORT_CHUNK_ROWS rows", async () => {
    const total = EXPORT_CHUNK_ROWS * 2 + 321;
    const oneLine = AWKWARD_STRINGS.filter((text) => !text.includes("\n")); // so a chunk's rows can be counted by its newlines
    await write(Array.from({ length: total }, (_, i) => finishedEntry(log.writer, { receivedAt: new Date(Date.UTC(2026, 10, 27, 12, 0, 0, i)), userAgent: oneLine[i % oneLine.length]! })));
    const { objects } = readBothWays();
    for (const format of FORMATS) {
      const { text, chunks } = exported(format);
      expect(text).toBe(exportHeader(format) + objects.map((row) => referenceLine(format, row)).join(""));
      const linesIn = (chunk: Uint8Array) => chunk.reduce((n, byte) => n + (byte === 10 ? 1 : 0), 0);
      expect(chunks.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...chunks.map(linesIn))).toBeLessThanOrEqual(EXPORT_CHUNK_ROWS + (format === "csv" ? 1 : 0));
      if (format === "csv") expect(chunks.map(linesIn)).toEqual([EXPORT_CHUNK_ROWS + 1, EXPORT_CHUNK_ROWS, 321]);
    }
  });

  test("a line longer than a chunk's buffer fits (the buffer grows), and a chunk ends at EXPORT_CHUNK_BYTES", async () => {
    const long = "é€😀,\"".repeat(250_000); // 2.5 MB of UTF-8 in one cell
    await write([
      finishedEntry(log.writer, { receivedAt: new Date(Date.UTC(2026, 10, 27, 12, 0, 3)), errorMessage: long }),
      ...Array.from({ length: 40 }, (_, i) => finishedEntry(log.writer, { receivedAt: new Date(Date.UTC(2026, 10, 27, 12, 0, 2)), userAgent: "x".repeat(60_000 + i) })),
      finishedEntry(log.writer, { receivedAt: new Date(Date.UTC(2026, 10, 27, 12, 0, 1)), errorMessage: long }),
    ]);
    const { objects } = readBothWays();
    for (const format of FORMATS) {
      const { text, chunks } = exported(format);
      expect(text).toBe(exportHeader(format) + objects.map((row) => referenceLine(format, row)).join(""));
      expect(chunks.length).toBeGreaterThan(3);
      // Rows are whole within a chunk, and a chunk stops taking rows once it holds EXPORT_CHUNK_BYTES.
      for (const chunk of chunks) expect(chunk.at(-1)).toBe(10);
      for (const chunk of chunks.slice(0, -1)) expect(chunk.byteLength).toBeGreaterThanOrEqual(EXPORT_CHUNK_BYTES);
    }
  });

  test("a cap stops the rows and says so; no notice when the rows end at the cap", async () => {
    await write(Array.from({ length: 10 }, (_, i) => finishedEntry(log.writer, { receivedAt: new Date(Date.UTC(2026, 10, 27, 12, 0, i)) })));
    const { objects } = readBothWays();
    for (const format of FORMATS) {
      const lines = objects.map((row) => referenceLine(format, row));
      expect(exported(format, 4).text).toBe(exportHeader(format) + lines.slice(0, 4).join("") + exportCapNotice(format, 4));
      expect(exported(format, 10).text).toBe(exportHeader(format) + lines.join(""));
    }
  });

  test("an empty export is the header alone (CSV) or nothing (NDJSON)", () => {
    expect(exported("csv").text).toBe(exportHeader("csv"));
    expect(exported("ndjson").chunks).toEqual([]);
  });
});
