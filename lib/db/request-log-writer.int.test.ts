import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { createRequestLogWriter, markInterruptedRequests, type RequestLogWriter, type RequestLogWriterOptions } from "@/lib/db/request-log-writer";
import type { RequestLogEntry } from "@/lib/request-log/record";

const migrationsDir = path.resolve(import.meta.dirname, "../../prisma/migrations");

let tempDir: string;
let dbFile: string;
let prisma: PrismaClient;
const writers: RequestLogWriter[] = [];
const rawConnections: Database.Database[] = [];

beforeEach(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), "switchyard-writer-"));
  dbFile = path.join(tempDir, "switchyard.db");
  applyMigrations(dbFile, migrationsDir);
  prisma = createPrismaClient(dbFile);
});

afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.stop();
  for (const db of rawConnections.splice(0)) if (db.open) db.close();
  await prisma.$disconnect();
  rmSync(tempDir, { recursive: true, force: true });
});

function startWriter(options: Partial<RequestLogWriterOptions> & { onError?: (error: unknown) => void } = {}) {
  const writer = createRequestLogWriter({ dbFile, flushIntervalMs: 3_600_000, ...options } as RequestLogWriterOptions);
  writers.push(writer);
  return writer;
}

function rawConnection(): Database.Database {
  const db = new Database(dbFile);
  rawConnections.push(db);
  return db;
}

let sequence = 0;
function entry(overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  sequence += 1;
  return {
    id: sequence,
    receivedAt: new Date(Date.UTC(2026, 10, 27, 12, 0, 0, sequence)),
    method: "POST",
    endpoint: "/v1/chat/completions",
    requestedModel: "fast",
    stream: true,
    outcome: "open",
    ...overrides,
  };
}

const finalOf = (open: RequestLogEntry, overrides: Partial<RequestLogEntry> = {}): RequestLogEntry => ({
  ...open,
  outcome: "served",
  status: 200,
  backend: "qwen-7b",
  finishedAt: new Date(open.receivedAt.getTime() + 1500),
  ...overrides,
});

describe("createRequestLogWriter", () => {
  test("rows appear on the writer's own timer, without anyone calling flush", async () => {
    const flushIntervalMs = 100;
    const writer = startWriter({ flushIntervalMs });
    const started = Date.now();
    const timed = entry();
    writer.record(finalOf(timed));
    await vi.waitFor(
      async () => {
        expect(await prisma.requestLog.findUnique({ where: { id: timed.id } })).not.toBeNull();
      },
      { timeout: 5_000, interval: 10 },
    );
    // A few intervals at most; the bound is loose because CI machines are shared (timing is the benchmark's job).
    expect(Date.now() - started).toBeLessThan(20 * flushIntervalMs);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 1, dropped: 0, failedBatches: 0 });
  });

  test("an open entry and its final entry in one batch become one row with the final outcome", async () => {
    const writer = startWriter();
    const open = entry();
    writer.record(open);
    writer.record(finalOf(open, { promptTokens: 12, completionTokens: 34 }));
    expect(writer.stats().queued).toBe(1);
    await writer.flush();

    const rows = await prisma.requestLog.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: open.id, outcome: "served", status: 200, promptTokens: 12, completionTokens: 34 });
    expect(writer.stats().written).toBe(1);
  });

  test("a final entry in a later batch updates the open row; a late open never reverts it", async () => {
    const writer = startWriter();
    const open = entry();
    writer.record(open);
    await writer.flush();
    expect((await prisma.requestLog.findUnique({ where: { id: open.id } }))?.outcome).toBe("open");

    writer.record(finalOf(open, { outcome: "client_abort", status: 499, errorMessage: "client went away" }));
    await writer.flush();
    writer.record(open); // e.g. a retry path re-recording the start
    await writer.flush();

    const rows = await prisma.requestLog.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "client_abort", status: 499, errorMessage: "client went away" });
  });

  test("written counts rows: a request whose open and final entries land in different batches is one row, not two", async () => {
    const writer = startWriter();
    const streamed = entry();
    writer.record(streamed);
    await writer.flush();
    writer.record(finalOf(streamed));
    const quick = entry();
    writer.record(finalOf(quick));
    await writer.flush();
    expect(await prisma.requestLog.count()).toBe(2);
    expect(writer.stats().written).toBe(2);
  });

  test("open-only rows stay open until markInterruptedRequests marks them interrupted", async () => {
    const writer = startWriter();
    const stillRunning = [entry(), entry()];
    const finished = entry();
    for (const open of [...stillRunning, finished]) writer.record(open);
    writer.record(finalOf(finished));
    await writer.stop();

    expect(await prisma.requestLog.count({ where: { outcome: "open" } })).toBe(2);
    expect(markInterruptedRequests(dbFile)).toBe(2);
    const byId = new Map((await prisma.requestLog.findMany()).map((row) => [row.id, row.outcome]));
    expect(byId).toEqual(
      new Map([
        [stillRunning[0]!.id, "interrupted"],
        [stillRunning[1]!.id, "interrupted"],
        [finished.id, "served"],
      ]),
    );
    expect(markInterruptedRequests(dbFile)).toBe(0);
  });

  test("a full queue drops new requests and counts them, but still takes finals of queued ones", async () => {
    const writer = startWriter({ maxQueue: 3 });
    const opens = [entry(), entry(), entry()];
    for (const open of opens) writer.record(open);
    writer.record(entry());
    writer.record(entry());
    writer.record(finalOf(opens[0] as RequestLogEntry));
    expect(writer.stats()).toMatchObject({ queued: 3, dropped: 2, written: 0 });

    await writer.flush();
    expect(writer.stats()).toMatchObject({ queued: 0, dropped: 2, written: 3 });
    expect(await prisma.requestLog.count()).toBe(3);
    expect((await prisma.requestLog.findUnique({ where: { id: opens[0]!.id } }))?.outcome).toBe("served");
  });

  test("a malformed entry is dropped alone and never throws", async () => {
    const errors: unknown[] = [];
    const writer = startWriter({ onError: (error) => errors.push(error) });
    expect(() => writer.record(entry({ receivedAt: new Date(Number.NaN) }))).not.toThrow();
    writer.record(entry());
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 1, dropped: 1, failedBatches: 0 });
    expect(errors).toHaveLength(1);
    expect(await prisma.requestLog.count()).toBe(1);
  });

  test("a missing table fails the batch (counted, never thrown) and logging resumes once it is back", async () => {
    const errors: unknown[] = [];
    const writer = startWriter({ onError: (error) => errors.push(error) });
    writer.record(entry());
    await writer.flush();
    expect(writer.stats().written).toBe(1);

    // Someone wipes the schema while the app runs.
    const wiper = rawConnection();
    const tables = wiper
      .prepare(
        `SELECT name FROM sqlite_master
         WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'`,
      )
      .all() as Array<{ name: string }>;
    wiper.pragma("foreign_keys = OFF");
    for (const { name } of tables) wiper.exec(`DROP TABLE "${name}"`);
    wiper.exec(`DELETE FROM "_prisma_migrations"`);
    expect(() => {
      writer.record(entry());
      writer.record(entry());
    }).not.toThrow();
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(writer.stats()).toMatchObject({ written: 1, dropped: 2, failedBatches: 1 });
    expect(writer.stats().lastError).toMatch(/no such table/);
    expect(errors).toHaveLength(1);

    applyMigrations(dbFile, migrationsDir);
    const afterRepair = entry();
    writer.record(afterRepair);
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 2, dropped: 2, failedBatches: 1 });
    expect(await prisma.requestLog.findUnique({ where: { id: afterRepair.id } })).not.toBeNull();
  });

  test("a database locked by another writer keeps the batch queued, and it is written once the lock is gone", async () => {
    const writer = startWriter({ busyTimeoutMs: 20 });
    const locker = rawConnection();
    locker.exec("BEGIN IMMEDIATE");
    const open = entry();
    writer.record(open);
    writer.record(finalOf(entry()));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ queued: 2, written: 0, dropped: 0, failedBatches: 0, busyBatches: 1 });
    expect(writer.stats().lastError).toBeUndefined();

    // The request of the open entry finishes while its batch waits: the final entry replaces it in the queue.
    writer.record(finalOf(open));
    locker.exec("COMMIT");
    await writer.flush();
    expect(writer.stats()).toMatchObject({ queued: 0, written: 2, dropped: 0, failedBatches: 0, busyBatches: 1 });
    const rows = await prisma.requestLog.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((row) => row.outcome)).toEqual(["served", "served"]);
  });

  test("a Prisma transaction on the same thread holding the write lock costs no log rows", async () => {
    // The app's own Prisma writes (GPU samples, mode switches) hold the lock across awaits on this thread: a flush
    // that lands in between cannot wait the lock out, it can only try again later.
    const writer = startWriter({ busyTimeoutMs: 20 });
    const served = finalOf(entry());
    await prisma.$transaction(async (tx) => {
      await tx.labState.upsert({ where: { key: "mode" }, create: { key: "mode", value: "standard" }, update: { value: "standard" } });
      writer.record(served);
      await writer.flush();
    });
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 1, dropped: 0, failedBatches: 0 });
    expect(await prisma.requestLog.findUnique({ where: { id: served.id } })).toMatchObject({ outcome: "served" });
  });

  test("a batch kept back by a lock still counts against the queue's bound: what does not fit is dropped, counted", async () => {
    const writer = startWriter({ busyTimeoutMs: 5, maxQueue: 3 });
    const locker = rawConnection();
    locker.exec("BEGIN IMMEDIATE");
    for (let i = 0; i < 3; i++) writer.record(finalOf(entry()));
    await writer.flush();
    writer.record(finalOf(entry()));
    expect(writer.stats()).toMatchObject({ queued: 3, dropped: 1 });
    locker.exec("COMMIT");
    await writer.flush();
    expect(writer.stats()).toMatchObject({ queued: 0, written: 3, dropped: 1 });
  });

  test("stop() writes everything still queued, then drops what comes after", async () => {
    const writer = startWriter();
    for (let i = 0; i < 250; i++) writer.record(finalOf(entry()));
    expect(writer.stats().queued).toBe(250);
    await writer.stop();
    expect(await prisma.requestLog.count()).toBe(250);
    writer.record(entry());
    expect(writer.stats()).toMatchObject({ queued: 0, written: 250, dropped: 1 });
    await writer.stop(); // idempotent
  });

  test("writes on a connection it was given and leaves that connection open", async () => {
    const db = rawConnection();
    const writer = createRequestLogWriter({ db, flushIntervalMs: 3_600_000 });
    writer.record(finalOf(entry()));
    await writer.stop();
    expect(db.open).toBe(true);
    expect(await prisma.requestLog.count()).toBe(1);
  });

  test("every field reads back through Prisma unchanged, Dates to the millisecond; the captured bodies go to RequestBody", async () => {
    const writer = startWriter();
    const full: RequestLogEntry = {
      id: 123_456,
      clientRequestId: "trace-abc-123",
      receivedAt: new Date("2026-11-27T12:34:56.789Z"),
      firstTokenAt: new Date("2026-11-27T12:34:57.001Z"),
      finishedAt: new Date("2026-11-27T12:35:01.999Z"),
      clientAddress: "10.0.0.7",
      userAgent: "OpenAI/Python 1.50.0",
      method: "POST",
      endpoint: "/v1/chat/completions",
      requestedModel: "reasoning",
      route: "reasoning",
      routeReason: "first live candidate",
      backend: "qwen-14b",
      mode: "standard",
      stream: false,
      status: 200,
      outcome: "served",
      errorCode: null,
      errorMessage: null,
      promptTokens: 1234,
      completionTokens: 567,
      cachedTokens: 1024,
      ttftMs: 212.5,
      durationMs: 5210.25,
      queueMs: 0.75,
      finishReason: "stop",
      attempts: 2,
      apiKeyId: "key_1",
      apiKeyName: "open-webui",
      gpuUtilizationPct: 87.5,
      kvCacheUsage: 0.42,
      backendQueueDepth: 3,
      energyWh: 0.3125,
      compat: "clampMaxTokens,reasoningFields",
      requestBody: '{"model":"fast","messages":[{"role":"user","content":"héllo"}]}',
      responseBody: "Hi there",
    };
    const minimal = entry();
    writer.record(full);
    writer.record(minimal);
    await writer.flush();

    const { requestBody, responseBody, ...columns } = full;
    const row = await prisma.requestLog.findUnique({ where: { id: full.id } });
    expect(row).toEqual({ ...columns, statusClass: 2 });
    expect(row?.receivedAt).toBeInstanceOf(Date);
    expect(await prisma.requestBody.findUnique({ where: { requestLogId: full.id } })).toEqual({
      requestLogId: full.id,
      receivedAt: full.receivedAt,
      requestBody,
      responseBody,
    });
    expect(await prisma.requestLog.findUnique({ where: { id: minimal.id } })).toMatchObject({
      clientRequestId: null,
      firstTokenAt: null,
      finishedAt: null,
      status: null,
      statusClass: null,
      attempts: 1,
      stream: true,
      gpuUtilizationPct: null,
      kvCacheUsage: null,
      backendQueueDepth: null,
      energyWh: null,
      compat: null,
    });
  });

  test("a finished entry with captured bodies writes a RequestBody row; an open entry or one without bodies writes none", async () => {
    const writer = startWriter();
    const captured = entry();
    // Bodies are kept with the final entry only: an open row never holds a prompt.
    writer.record({ ...captured, requestBody: '{"model":"fast"}' });
    const uncaptured = entry();
    writer.record(finalOf(uncaptured));
    await writer.flush();
    expect(await prisma.requestLog.count()).toBe(2);
    expect(await prisma.requestBody.count()).toBe(0);

    writer.record(finalOf(captured, { status: 502, outcome: "upstream_error", requestBody: '{"model":"fast"}', responseBody: "partial tex" }));
    await writer.flush();
    // Two requests, two rows: the final entry completed the open row.
    expect(writer.stats()).toMatchObject({ written: 2, dropped: 0, failedBatches: 0 });
    expect(await prisma.requestBody.findMany()).toEqual([
      { requestLogId: captured.id, receivedAt: captured.receivedAt, requestBody: '{"model":"fast"}', responseBody: "partial tex" },
    ]);
    expect(await prisma.requestLog.findUnique({ where: { id: captured.id } })).toMatchObject({ outcome: "upstream_error", status: 502, statusClass: 5 });
  });

  test("ids are given in arrival order and continue after the newest row, so a new writer never reuses one", async () => {
    const first = startWriter();
    const [a, b] = [first.nextId(), first.nextId()];
    expect(b).toBe(a + 1);
    first.record(finalOf(entry({ id: b })));
    await first.stop();
    expect(startWriter().nextId()).toBe(b + 1);
  });

  test("telemetry readings that are not finite numbers are stored as unknown, not as a failed batch", async () => {
    const writer = startWriter();
    const odd = entry();
    writer.record(
      finalOf(odd, {
        gpuUtilizationPct: Number.NaN,
        kvCacheUsage: Number.POSITIVE_INFINITY,
        backendQueueDepth: 0,
        energyWh: Number.NEGATIVE_INFINITY,
      }),
    );
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 1, failedBatches: 0 });
    expect(await prisma.requestLog.findUnique({ where: { id: odd.id } })).toMatchObject({
      gpuUtilizationPct: null,
      kvCacheUsage: null,
      backendQueueDepth: 0,
      energyWh: null,
    });
  });

  test("rows written by the writer and by Prisma compare correctly in Prisma's date filters", async () => {
    const writer = startWriter();
    const t = new Date("2026-11-27T12:00:00.500Z");
    const ids = { viaPrisma: 1, justBefore: 2, sameInstant: 3, justAfter: 4 };
    await prisma.requestLog.create({
      data: { id: ids.viaPrisma, receivedAt: t, method: "GET", endpoint: "/v1/models", stream: false, outcome: "served" },
    });
    writer.record(finalOf(entry({ id: ids.justBefore, receivedAt: new Date(t.getTime() - 1) })));
    writer.record(finalOf(entry({ id: ids.sameInstant, receivedAt: new Date(t.getTime()) })));
    writer.record(finalOf(entry({ id: ids.justAfter, receivedAt: new Date(t.getTime() + 1) })));
    await writer.flush();

    const atOrAfter = await prisma.requestLog.findMany({
      where: { receivedAt: { gte: t } },
      orderBy: [{ receivedAt: "asc" }, { id: "asc" }],
      select: { id: true },
    });
    expect(atOrAfter.map((row) => row.id)).toEqual([ids.viaPrisma, ids.sameInstant, ids.justAfter]);
    expect(await prisma.requestLog.count({ where: { receivedAt: t } })).toBe(2);
  });
});
