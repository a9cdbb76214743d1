import path from "node:path";
import { BroadcastChannel } from "node:worker_threads";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { openSqlite, type SqliteDatabase } from "@/lib/db/sqlite";
import { ExportChunks } from "./export-chunks";
import { iterateRawRows } from "./export-rows";
import { exportHeader, type ExportFormat } from "./export-format";
import { laneOf, type ReaderLane } from "./protocol";
import { createRequestLogReader, EXPORT_PREFETCH_CHUNKS, type RequestLogReader } from "./reader";
import { CRASH_SEARCH, READER_TEST_CHANNEL, SLOW_MS, SLOW_SEARCH, type ReceivedOperation } from "./reader-test-channel";
import { createLogFixture, finishedEntry, type LogFixture } from "./test-support";

// The reader on the gateway's thread with its two real workers (through reader-test-worker.ts, which reports every
// operation each worker receives): which worker runs what, exports streamed with a small prefetch and backpressure,
// a cancelled download's cursor closed, and a long search or a crash on the bulk worker never holding up a page.

const ROWS = 9_000; // five chunks of an export

let log: LogFixture;
let reader: RequestLogReader;
let checkpointer: SqliteDatabase;
const received: ReceivedOperation[] = [];
const channel = new BroadcastChannel(READER_TEST_CHANNEL);
channel.onmessage = (event) => received.push((event as { data: ReceivedOperation }).data);

beforeAll(async () => {
  log = createLogFixture();
  const start = Date.UTC(2026, 10, 27, 12, 0, 0);
  for (let i = 0; i < ROWS; i++) {
    log.writer.record(finishedEntry(log.writer, { receivedAt: new Date(start + i * 10), userAgent: i % 100 === 0 ? '=cmd("x"), "quoted"' : "sdk/1.0", errorMessage: i % 7 === 0 ? "upstream timed out" : null }));
  }
  await log.writer.flush();
  reader = createRequestLogReader({ dbFile: log.dbFile, workerFile: path.join(import.meta.dirname, "reader-test-worker.ts") });
  checkpointer = openSqlite(log.dbFile, { busyTimeoutMs: 0 });
});

afterAll(async () => {
  await reader?.close();
  checkpointer?.close();
  channel.close();
  await log?.close();
});

beforeEach(() => {
  received.length = 0;
});

const day = { from: new Date(Date.UTC(2026, 10, 27)), to: new Date(Date.UTC(2026, 10, 28)) };
const settle = (ms = 200) => new Promise((resolve) => setTimeout(resolve, ms));
const ops = (op: ReceivedOperation["op"]) => received.filter((message) => message.op === op);

/** What the export of every row is, made in this thread from the same database. */
function expectedExport(format: ExportFormat): string {
  const cursor = new ExportChunks(iterateRawRows(log.db, day), format, null);
  const chunks: Uint8Array[] = [];
  for (let chunk = cursor.next(); chunk !== null; chunk = cursor.next()) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

/** Whether a reader holds a snapshot of the database (an open cursor): a TRUNCATE checkpoint must then wait. */
async function snapshotHeld(): Promise<boolean> {
  log.writer.record(finishedEntry(log.writer, { receivedAt: new Date(Date.UTC(2026, 0, 1)) })); // outside `day`
  await log.writer.flush();
  const [result] = checkpointer.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
  return result!.busy !== 0;
}

describe("routing", () => {
  test("pages without a text search, lookups and usage go to the interactive worker; exports, text searches and retention to the bulk one", async () => {
    const lanes: [Parameters<typeof laneOf>[0], ReaderLane][] = [
      [{ op: "page", args: { limit: 5 } }, "interactive"],
      [{ op: "page", args: { filters: { model: ["fast"], clientRequestId: "x" } } }, "interactive"],
      [{ op: "page", args: { filters: { errorText: "timed out" } } }, "bulk"],
      [{ op: "find", args: { key: "1" } }, "interactive"],
      [{ op: "usage", args: { ...day, bucketMs: 3_600_000 } }, "interactive"],
      [{ op: "exportOpen", args: { filters: {}, format: "csv", maxRows: null } }, "bulk"],
      [{ op: "exportNext", args: { exportId: 1 } }, "bulk"],
      [{ op: "exportClose", args: { exportId: 1 } }, "bulk"],
      [{ op: "retention", args: { maxAgeDays: 1e6, maxRows: 1e9, bodyDays: 1e6, rollupDays: 1e6, now: new Date() } }, "bulk"],
    ];
    for (const [call, lane] of lanes) expect(laneOf(call), call.op).toBe(lane);

    const page = await reader.call("page", { limit: 5, filters: day });
    expect(page.rows).toHaveLength(5);
    expect((await reader.call("find", { key: String(page.rows[0]!.id) }))?.id).toBe(page.rows[0]!.id);
    await reader.call("usage", { ...day, bucketMs: 3_600_000 });
    expect((await reader.call("page", { limit: 5, filters: { ...day, errorText: "TIMED OUT" } })).rows).toHaveLength(5);
    await new Response(reader.exportStream(day, "csv", 10)).text();
    await settle(50);
    expect(received.map((message) => `${message.op}:${message.lane}`)).toEqual([
      "page:interactive",
      "find:interactive",
      "usage:interactive",
      "page:bulk",
      "exportOpen:bulk",
      "exportNext:bulk",
      "exportNext:bulk",
    ]);
  });
});

describe("exports", () => {
  test.each(["csv", "ndjson"] as const)("%s: every row, byte for byte what the formatter gives, in chunks moved from the worker", async (format) => {
    const body = reader.exportStream(day, format, null);
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk instanceof Uint8Array)).toBe(true);
    const text = Buffer.concat(chunks).toString("utf8");
    expect(text).toBe(expectedExport(format));
    expect(text.startsWith(exportHeader(format))).toBe(true);
    expect(chunks.length).toBeGreaterThanOrEqual(5);
  });

  test(`an unread download holds at most ${EXPORT_PREFETCH_CHUNKS} chunks ahead: the worker waits for its reader`, async () => {
    const body = reader.exportStream(day, "csv", null);
    const client = body.getReader();
    await settle();
    expect(ops("exportNext")).toHaveLength(EXPORT_PREFETCH_CHUNKS); // made before anyone reads
    await client.read();
    await settle();
    expect(ops("exportNext")).toHaveLength(EXPORT_PREFETCH_CHUNKS + 1); // one taken, one more made
    await settle(300);
    expect(ops("exportNext")).toHaveLength(EXPORT_PREFETCH_CHUNKS + 1);
    await client.cancel();
  });

  test("a cancelled download closes its cursor, and both workers answer at once after it", async () => {
    const client = reader.exportStream(day, "ndjson", null).getReader();
    expect((await client.read()).done).toBe(false);
    expect(await snapshotHeld()).toBe(true); // the export's cursor is open (a sanity check of the probe)
    await client.cancel();
    await settle();
    expect(ops("exportClose")).toHaveLength(1);

    const page = await timed(() => reader.call("page", { limit: 50 }));
    const search = await timed(() => reader.call("page", { limit: 50, filters: { errorText: "timed out" } }));
    expect(page.value.rows).toHaveLength(50);
    expect(search.value.rows).toHaveLength(50);
    expect(page.ms).toBeLessThan(1_000);
    expect(search.ms).toBeLessThan(1_000);
    expect(await snapshotHeld()).toBe(false); // nothing holds the database any more
  });

  test("a download cancelled before its first chunk closes its cursor too", async () => {
    const body = reader.exportStream(day, "csv", null);
    await new Promise((resolve) => setImmediate(resolve)); // the stream asked for its first chunk: the export is opening
    await body.cancel();
    await settle();
    expect(ops("exportOpen")).toHaveLength(1);
    expect(ops("exportClose")).toHaveLength(1);
    expect(await snapshotHeld()).toBe(false);
  });
});

describe("a long search or export on the bulk worker", () => {
  test("never holds up a page, a lookup or a chart", async () => {
    const exportClient = reader.exportStream(day, "csv", null).getReader();
    await exportClient.read();
    const started = performance.now();
    const search = reader.call("page", { limit: 50, filters: { errorText: SLOW_SEARCH } }).then(() => performance.now() - started);
    await settle(50);
    const page = await timed(() => reader.call("page", { limit: 50, filters: day }));
    const find = await timed(() => reader.call("find", { key: String(page.value.rows[0]!.id) }));
    const usage = await timed(() => reader.call("usage", { ...day, bucketMs: 3_600_000 }));
    for (const quick of [page, find, usage]) expect(quick.ms).toBeLessThan(SLOW_MS / 3);
    expect(await search).toBeGreaterThanOrEqual(SLOW_MS - 50); // it did hold its own worker
    await exportClient.cancel();
  });

  test("a bulk worker that dies fails its calls, leaves the interactive one alone, and is started again", async () => {
    const crashed = reader.call("page", { filters: { errorText: CRASH_SEARCH } });
    await expect(crashed).rejects.toThrow(/request-log reader \(bulk\) stopped/);
    expect((await reader.call("page", { limit: 3 })).rows).toHaveLength(3);
    expect((await reader.call("page", { limit: 3, filters: { errorText: "timed out" } })).rows).toHaveLength(3);
    expect(Buffer.from(await new Response(reader.exportStream(day, "csv", null)).arrayBuffer()).toString("utf8")).toBe(expectedExport("csv"));
  });
});
