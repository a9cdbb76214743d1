import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { applyMigrations } from "@/lib/db/migrate";
import { InvalidCursorError } from "@/lib/db/queries/keyset-cursor";
import { findRequest, listPage, type RequestLogFilters } from "@/lib/db/request-log/queries";
import { applyRequestLogRetention, type RequestLogRetention } from "@/lib/db/request-log/retention";
import { createRequestLogWriter } from "@/lib/db/request-log-writer";
import { openSqlite, type SqliteDatabase } from "@/lib/db/sqlite";
import type { RequestLogEntry, RequestLogOutcome } from "@/lib/request-log/record";

// The request log's list, lookup and retention on a real, migrated SQLite file (what the reader worker runs).

const migrationsDir = path.resolve(import.meta.dirname, "../../../prisma/migrations");
const BASE = Date.UTC(2026, 10, 1, 0, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;

let tempDir: string;
const connections: SqliteDatabase[] = [];

/** A fresh migrated database and a connection to it (closed after the file's tests). */
function freshDatabase(name: string): SqliteDatabase {
  const dbFile = path.join(tempDir, `${name}.db`);
  applyMigrations(dbFile, migrationsDir);
  const db = openSqlite(dbFile);
  connections.push(db);
  return db;
}

/** Writes entries as the gateway's writer does (statusClass, rollups and bodies included), on the given connection. */
async function write(db: SqliteDatabase, entries: RequestLogEntry[]): Promise<void> {
  const writer = createRequestLogWriter({ db, maxQueue: entries.length + 1, flushIntervalMs: 3_600_000 });
  for (const entry of entries) writer.record(entry);
  await writer.stop();
  expect(writer.stats()).toMatchObject({ written: entries.length, dropped: 0 });
}

const count = (db: SqliteDatabase, table: string): number => (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;

const backends = ["qwen-7b", "qwen-14b", "qwen-32b"];
const models = ["fast", "reasoning", "qwen2.5-7b-instruct"];
const routes = ["fast", "reasoning", null];
const keys = ["key_a", "key_b", null, null];
const outcomes: RequestLogOutcome[] = ["served", "served", "served", "client_abort", "upstream_error", "timeout", "rejected"];
const statusFor: Record<string, number | null> = {
  served: 200,
  client_abort: 499,
  upstream_error: 502,
  timeout: 504,
  rejected: 429,
};

type Seeded = RequestLogEntry & { status: number | null; stream: boolean };

/** 300 varied rows; every third minute holds three rows with the same receivedAt, to exercise id tie-breaks. */
function seedRows(total: number): Seeded[] {
  return Array.from({ length: total }, (_, i) => {
    const outcome = outcomes[i % outcomes.length] ?? "served";
    const sameMinuteGroup = i % 3 === 0 ? Math.floor(i / 3) * 3 : i;
    return {
      // Unique ids that are not in time order: the list's order must come from (receivedAt, id) alone.
      id: ((i * 7919) % 1000) + 1,
      clientRequestId: i % 50 === 0 ? "retried-trace" : i % 5 === 0 ? `trace-${i}` : null,
      receivedAt: new Date(BASE + sameMinuteGroup * MINUTE),
      firstTokenAt: null,
      finishedAt: new Date(BASE + sameMinuteGroup * MINUTE + 2000),
      clientAddress: i % 4 === 0 ? "10.0.0.2" : "10.0.0.9",
      userAgent: "test",
      method: "POST",
      endpoint: "/v1/chat/completions",
      requestedModel: models[i % models.length] ?? null,
      route: routes[i % routes.length] ?? null,
      routeReason: null,
      backend: outcome === "rejected" ? null : (backends[i % backends.length] ?? null),
      mode: "standard",
      stream: i % 2 === 0,
      status: statusFor[outcome] ?? null,
      outcome,
      errorCode: outcome === "upstream_error" ? "backend_unreachable" : null,
      errorMessage: outcome === "timeout" ? `No first token within 30 s (attempt ${i})` : null,
      promptTokens: 10 + i,
      completionTokens: outcome === "served" ? 100 + i : null,
      cachedTokens: null,
      ttftMs: 100 + (i % 50),
      durationMs: 1000 + i,
      queueMs: 0,
      finishReason: outcome === "served" ? "stop" : null,
      attempts: 1,
      apiKeyId: keys[i % keys.length] ?? null,
      apiKeyName: null,
      gpuUtilizationPct: null,
      kvCacheUsage: null,
      backendQueueDepth: null,
      energyWh: null,
      compat: null,
    };
  });
}

const newestFirst = (a: { receivedAt: Date; id: number }, b: { receivedAt: Date; id: number }) =>
  b.receivedAt.getTime() - a.receivedAt.getTime() || b.id - a.id;

function listAll(db: SqliteDatabase, filters: RequestLogFilters, limit: number): number[] {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page = listPage(db, { limit, cursor, filters });
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    ids.push(...page.rows.map((row) => row.id));
    if (page.nextCursor === null) return ids;
    expect(page.rows.length).toBe(limit);
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not terminate");
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

beforeAll(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), "switchyard-request-log-"));
});

afterAll(() => {
  for (const db of connections.splice(0)) db.close();
  rmSync(tempDir, { recursive: true, force: true });
});

describe("listPage", () => {
  const seeded = seedRows(300);
  let db: SqliteDatabase;

  beforeAll(async () => {
    db = freshDatabase("list");
    await write(db, seeded);
  });

  test("pages through every row once, newest first, ties broken by id", () => {
    expect(listAll(db, {}, 37)).toEqual([...seeded].sort(newestFirst).map((row) => row.id));
  });

  test("the first page is the newest rows, every column but the bodies, and says there is more", () => {
    const page = listPage(db, { limit: 10 });
    expect(page.rows.map((row) => row.id)).toEqual([...seeded].sort(newestFirst).slice(0, 10).map((row) => row.id));
    expect(page.nextCursor).toEqual(expect.any(String));
    const newest = [...seeded].sort(newestFirst)[0]!;
    expect(page.rows[0]).toEqual({ ...newest, statusClass: newest.status === null ? null : Math.floor(newest.status / 100) });
  });

  const from = new Date(BASE + 50 * MINUTE);
  const to = new Date(BASE + 120 * MINUTE);
  const statusClassOf = (row: Seeded) => (row.status === null ? null : Math.floor(row.status / 100));
  const cases: Array<[string, RequestLogFilters, (row: Seeded) => boolean]> = [
    ["from (inclusive)", { from }, (row) => row.receivedAt >= from],
    ["to (exclusive)", { to }, (row) => row.receivedAt < to],
    ["from and to", { from, to }, (row) => row.receivedAt >= from && row.receivedAt < to],
    ["model", { model: ["reasoning"] }, (row) => row.requestedModel === "reasoning"],
    ["several models", { model: ["fast", "qwen2.5-7b-instruct"] }, (row) => row.requestedModel === "fast" || row.requestedModel === "qwen2.5-7b-instruct"],
    ["route", { route: ["reasoning"] }, (row) => row.route === "reasoning"],
    ["backend", { backend: ["qwen-32b"] }, (row) => row.backend === "qwen-32b"],
    ["one outcome", { outcome: ["timeout"] }, (row) => row.outcome === "timeout"],
    ["several outcomes", { outcome: ["rejected", "upstream_error"] }, (row) => ["rejected", "upstream_error"].includes(row.outcome)],
    ["one status", { status: [429] }, (row) => row.status === 429],
    ["several statuses", { status: [502, 504] }, (row) => row.status === 502 || row.status === 504],
    ["a status class", { statusClass: [5] }, (row) => statusClassOf(row) === 5],
    ["several status classes", { statusClass: [4, 5] }, (row) => statusClassOf(row) === 4 || statusClassOf(row) === 5],
    ["a status and a status class (either)", { status: [429], statusClass: [5] }, (row) => row.status === 429 || statusClassOf(row) === 5],
    ["streaming only", { stream: true }, (row) => row.stream],
    ["non-streaming only", { stream: false }, (row) => !row.stream],
    ["client address", { clientAddress: ["10.0.0.2"] }, (row) => row.clientAddress === "10.0.0.2"],
    ["API key", { apiKeyId: ["key_b"] }, (row) => row.apiKeyId === "key_b"],
    ["the client's request id, shared by several rows", { clientRequestId: "retried-trace" }, (row) => row.clientRequestId === "retried-trace"],
    ["error text in the message, any case", { errorText: "FIRST TOKEN" }, (row) => row.outcome === "timeout"],
    ["error text in the code", { errorText: "unreachable" }, (row) => row.errorCode === "backend_unreachable"],
    [
      "everything at once",
      { from, backend: ["qwen-7b"], stream: false, outcome: ["served", "timeout"] },
      (row) => row.receivedAt >= from && row.backend === "qwen-7b" && !row.stream && ["served", "timeout"].includes(row.outcome),
    ],
    [
      "several values of several indexed filters",
      { to, model: ["fast", "reasoning"], apiKeyId: ["key_a", "key_b"], statusClass: [2, 5] },
      (row) =>
        row.receivedAt < to &&
        ["fast", "reasoning"].includes(row.requestedModel ?? "") &&
        ["key_a", "key_b"].includes(row.apiKeyId ?? "") &&
        [2, 5].includes(statusClassOf(row) ?? 0),
    ],
  ];

  test.each(cases)("filter: %s", (_name, filters, predicate) => {
    const expected = seeded.filter(predicate).sort(newestFirst).map((row) => row.id);
    expect(expected.length).toBeGreaterThan(1); // a filter that matches nothing would prove nothing
    expect(expected.length).toBeLessThan(seeded.length);
    expect(listAll(db, filters, 7)).toEqual(expected);
  });

  test("pages already handed out stay stable while new requests arrive", async () => {
    const first = listPage(db, { limit: 20 });
    const later = { id: 5_000, receivedAt: new Date(BASE + 10_000 * MINUTE), method: "POST", endpoint: "/v1/completions", stream: false, outcome: "open" as const };
    await write(db, [later]);
    try {
      const second = listPage(db, { limit: 20, cursor: first.nextCursor });
      const expected = [...seeded].sort(newestFirst).slice(20, 40).map((row) => row.id);
      expect(second.rows.map((row) => row.id)).toEqual(expected);
      expect(listPage(db, { limit: 1 }).rows[0]?.id).toBe(later.id);
    } finally {
      db.prepare(`DELETE FROM "RequestLog" WHERE "id" = ?`).run(later.id);
    }
  });

  test("a tampered cursor is refused with a typed error", () => {
    expect(thrown(() => listPage(db, { cursor: "not-a-cursor" }))).toBeInstanceOf(InvalidCursorError);
    const wrongShape = Buffer.from(JSON.stringify({ a: 1 })).toString("base64url");
    expect(thrown(() => listPage(db, { cursor: wrongShape }))).toMatchObject({ code: "invalid_cursor" });
    // A cursor of the old string ids is refused too, not misread.
    const stringId = Buffer.from(JSON.stringify([new Date(BASE).toISOString(), "req-1"])).toString("base64url");
    expect(thrown(() => listPage(db, { cursor: stringId }))).toBeInstanceOf(InvalidCursorError);
  });

  test("page size is clamped to a sane range", () => {
    expect(listPage(db, { limit: 0 }).rows).toHaveLength(1);
    expect(listPage(db, { limit: 100_000 }).rows).toHaveLength(300);
  });
});

describe("findRequest", () => {
  let db: SqliteDatabase;
  let rows: RequestLogEntry[];

  beforeAll(async () => {
    db = freshDatabase("find");
    const writer = createRequestLogWriter({ db, flushIntervalMs: 3_600_000 });
    const request = (i: number, overrides: Partial<RequestLogEntry>): RequestLogEntry => ({
      id: writer.nextId(),
      receivedAt: new Date(BASE + i * 1000),
      method: "POST",
      endpoint: "/v1/chat/completions",
      stream: false,
      outcome: "served",
      status: 200,
      ...overrides,
    });
    // A client that sends the same x-request-id again (a retry), once with prompt capture on.
    rows = [
      request(0, { clientRequestId: "retried-trace", requestBody: '{"model":"fast"}', responseBody: "first try" }),
      request(1, { clientRequestId: null }),
      request(2, { clientRequestId: "retried-trace", status: 502, outcome: "upstream_error" }),
      request(3, { clientRequestId: "once" }),
    ];
    for (const row of rows) writer.record(row);
    await writer.stop();
  });

  test("by Switchyard's id: the row with its captured bodies", () => {
    const [first] = rows;
    expect(findRequest(db, String(first!.id))).toMatchObject({
      id: first!.id,
      clientRequestId: "retried-trace",
      statusClass: 2,
      requestBody: '{"model":"fast"}',
      responseBody: "first try",
    });
    expect(findRequest(db, String(rows[1]!.id))).toMatchObject({ id: rows[1]!.id, clientRequestId: null, requestBody: null, responseBody: null });
  });

  test("by the client's x-request-id: the newest row that carries it", () => {
    expect(findRequest(db, "retried-trace")).toMatchObject({ id: rows[2]!.id, outcome: "upstream_error", requestBody: null, responseBody: null });
    expect(findRequest(db, "once")).toMatchObject({ id: rows[3]!.id });
  });

  test("null when nothing matches", () => {
    expect(findRequest(db, "no-such-request")).toBeNull();
    expect(findRequest(db, "424242")).toBeNull();
  });
});

describe("applyRequestLogRetention", () => {
  let db: SqliteDatabase;
  const now = new Date(BASE + 30 * DAY);
  const NEVER = 100_000;

  /** Only the limits a test sets; the others keep everything. */
  const retain = (limits: Partial<RequestLogRetention>) =>
    applyRequestLogRetention(db, { maxAgeDays: NEVER, maxRows: 100_000_000, bodyDays: NEVER, rollupDays: NEVER, now, ...limits });

  function clear(): void {
    for (const table of ["RequestBody", "RequestLog", "RequestRollup"]) db.exec(`DELETE FROM "${table}"`);
  }

  // Ids are given in arrival order, oldest first: day d's two rows (the same instant) are day-d-0 and day-d-1.
  const DAYS = 29;
  const dayId = (day: number, n: 0 | 1) => (DAYS - day) * 2 + n + 1;
  const idsNamed = (...names: `day-${number}-${0 | 1}`[]) =>
    names.map((name) => {
      const [, day, n] = name.split("-");
      return dayId(Number(day), Number(n) as 0 | 1);
    });

  async function seedDaily() {
    clear();
    // Two rows per day, the same instant, one to twenty-nine days old.
    const rows: RequestLogEntry[] = [];
    for (let day = DAYS; day >= 1; day--) {
      for (const n of [0, 1] as const) {
        rows.push({ id: dayId(day, n), receivedAt: new Date(now.getTime() - day * DAY), method: "POST", endpoint: "/v1/chat/completions", stream: false, outcome: "served" });
      }
    }
    await write(db, rows);
  }

  const keptIdsNewestFirst = () =>
    (db.prepare(`SELECT "id" FROM "RequestLog" ORDER BY "receivedAt" DESC, "id" DESC`).all() as { id: number }[]).map((row) => row.id);

  beforeAll(() => {
    db = freshDatabase("retention");
  });

  test("maxAgeDays deletes rows older than the age and keeps the rest", async () => {
    await seedDaily();
    expect(await retain({ maxAgeDays: 7.5 })).toEqual({ rows: 22 * 2, bodies: 0, rollups: 0 });
    const oldest = db.prepare(`SELECT min("receivedAt") AS at FROM "RequestLog"`).get() as { at: string };
    expect(new Date(oldest.at)).toEqual(new Date(now.getTime() - 7 * DAY));
    expect(count(db, "RequestLog")).toBe(14);
    expect(await retain({ maxAgeDays: 7.5 })).toMatchObject({ rows: 0 });
  });

  test("maxRows keeps exactly the newest rows, even when the boundary splits a tie", async () => {
    await seedDaily();
    expect(await retain({ maxRows: 11 })).toMatchObject({ rows: 58 - 11 });
    expect(keptIdsNewestFirst()).toEqual(
      idsNamed("day-1-1", "day-1-0", "day-2-1", "day-2-0", "day-3-1", "day-3-0", "day-4-1", "day-4-0", "day-5-1", "day-5-0", "day-6-1"),
    );
    expect(await retain({ maxRows: 11 })).toMatchObject({ rows: 0 });
  });

  test("both limits together report the total deleted", async () => {
    await seedDaily();
    expect(await retain({ maxAgeDays: 10.5, maxRows: 5 })).toMatchObject({ rows: 58 - 5 });
    expect(count(db, "RequestLog")).toBe(5);
  });

  test("captured bodies go with their rows, and on their own after bodyDays; rollups after rollupDays", async () => {
    clear();
    const rows: RequestLogEntry[] = [40, 10, 3, 1].map((daysAgo, i) => ({
      id: i + 1,
      receivedAt: new Date(now.getTime() - daysAgo * DAY),
      method: "POST",
      endpoint: "/v1/chat/completions",
      stream: false,
      outcome: "served",
      status: 200,
      requestBody: `{"prompt":"${daysAgo} days ago"}`,
      responseBody: "ok",
    }));
    await write(db, rows);
    expect(count(db, "RequestBody")).toBe(4);
    expect(count(db, "RequestRollup")).toBe(4);

    expect(await retain({ maxAgeDays: 30, bodyDays: 7, rollupDays: 20 })).toEqual({ rows: 1, bodies: 1, rollups: 1 });
    expect(keptIdsNewestFirst()).toEqual([4, 3, 2]);
    const bodies = db.prepare(`SELECT "requestLogId" AS id FROM "RequestBody" ORDER BY "requestLogId"`).all() as { id: number }[];
    expect(bodies.map((body) => body.id)).toEqual([3, 4]);
    expect(findRequest(db, "2")).toMatchObject({ id: 2, requestBody: null, responseBody: null });
    expect(findRequest(db, "4")).toMatchObject({ id: 4, requestBody: '{"prompt":"1 days ago"}' });
    expect(count(db, "RequestRollup")).toBe(3);
  });

  test("deletes far more rows than one chunk", async () => {
    clear();
    // Ids as the writer gives them: in arrival order.
    const rows: RequestLogEntry[] = Array.from({ length: 12_345 }, (_, i) => ({
      id: i + 1,
      receivedAt: new Date(BASE + i * 1000),
      method: "POST",
      endpoint: "/v1/embeddings",
      stream: false,
      outcome: "served",
    }));
    await write(db, rows);
    expect(await retain({ maxRows: 100 })).toMatchObject({ rows: 12_245 });
    const oldestKept = db.prepare(`SELECT "id" FROM "RequestLog" ORDER BY "receivedAt" ASC LIMIT 1`).get() as { id: number };
    expect(oldestKept.id).toBe(12_246);
    expect(count(db, "RequestLog")).toBe(100);
    expect(await retain({ maxAgeDays: 1 })).toMatchObject({ rows: 100 });
  });
});
