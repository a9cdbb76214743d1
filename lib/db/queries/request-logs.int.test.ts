import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db/client";
import type { RequestLog } from "@/lib/db/generated/prisma/client";
import { applyMigrations } from "@/lib/db/migrate";
import {
  applyRequestLogRetention,
  getRequestLog,
  listRequestLogs,
  type RequestLogFilters,
} from "@/lib/db/queries/request-logs";
import { InvalidCursorError } from "@/lib/db/queries/keyset-cursor";
import { createRequestLogWriter } from "@/lib/db/request-log-writer";
import type { RequestLogOutcome } from "@/lib/request-log/record";

const migrationsDir = path.resolve(import.meta.dirname, "../../../prisma/migrations");
const BASE = Date.UTC(2026, 10, 1, 0, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;

let tempDir: string;

function freshDatabase(name: string): string {
  const dbFile = path.join(tempDir, `${name}.db`);
  applyMigrations(dbFile, migrationsDir);
  return dbFile;
}

const backends = ["qwen-7b", "qwen-14b", "qwen-32b"];
const models = ["fast", "reasoning", "qwen2.5-7b-instruct"];
const outcomes: RequestLogOutcome[] = ["served", "served", "served", "client_abort", "upstream_error", "timeout", "rejected"];
const statusFor: Record<string, number | null> = {
  served: 200,
  client_abort: 499,
  upstream_error: 502,
  timeout: 504,
  rejected: 429,
};

/** 300 varied rows; every third minute holds three rows with the same receivedAt, to exercise id tie-breaks. */
function seedRows(count: number): RequestLog[] {
  return Array.from({ length: count }, (_, i) => {
    const outcome = outcomes[i % outcomes.length] ?? "served";
    const sameMinuteGroup = i % 3 === 0 ? Math.floor(i / 3) * 3 : i;
    return {
      id: `req-${String((i * 7919) % 1000).padStart(4, "0")}-${i}`, // ids not in time order
      receivedAt: new Date(BASE + sameMinuteGroup * MINUTE),
      firstTokenAt: null,
      finishedAt: new Date(BASE + sameMinuteGroup * MINUTE + 2000),
      clientAddress: i % 4 === 0 ? "10.0.0.2" : "10.0.0.9",
      userAgent: "test",
      method: "POST",
      endpoint: "/v1/chat/completions",
      requestedModel: models[i % models.length] ?? null,
      route: null,
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
      apiKeyId: null,
      apiKeyName: null,
      gpuUtilizationPct: null,
      kvCacheUsage: null,
      backendQueueDepth: null,
      energyWh: null,
      requestBody: null,
      responseBody: null,
    };
  });
}

const newestFirst = (a: RequestLog, b: RequestLog) =>
  b.receivedAt.getTime() - a.receivedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

async function listAll(filters: RequestLogFilters, limit: number, prisma: PrismaClient): Promise<RequestLog[]> {
  const rows: RequestLog[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await listRequestLogs({ limit, cursor, filters }, prisma);
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    rows.push(...page.rows);
    if (page.nextCursor === null) return rows;
    expect(page.rows.length).toBe(limit);
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not terminate");
}

beforeAll(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), "switchyard-request-logs-"));
});

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

describe("listRequestLogs and getRequestLog", () => {
  const seeded = seedRows(300);
  let prisma: PrismaClient;

  beforeAll(async () => {
    prisma = createPrismaClient(freshDatabase("list"));
    await prisma.requestLog.createMany({ data: seeded });
  });

  afterAll(async () => {
    await prisma.$disconnect();
  });

  test("pages through every row once, newest first, ties broken by id", async () => {
    const rows = await listAll({}, 37, prisma);
    expect(rows.map((row) => row.id)).toEqual([...seeded].sort(newestFirst).map((row) => row.id));
  });

  test("the first page is the newest rows and says there is more", async () => {
    const page = await listRequestLogs({ limit: 10 }, prisma);
    expect(page.rows.map((row) => row.id)).toEqual([...seeded].sort(newestFirst).slice(0, 10).map((row) => row.id));
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  const from = new Date(BASE + 50 * MINUTE);
  const to = new Date(BASE + 120 * MINUTE);
  const cases: Array<[string, RequestLogFilters, (row: RequestLog) => boolean]> = [
    ["from (inclusive)", { from }, (row) => row.receivedAt >= from],
    ["to (exclusive)", { to }, (row) => row.receivedAt < to],
    ["from and to", { from, to }, (row) => row.receivedAt >= from && row.receivedAt < to],
    ["model", { model: "reasoning" }, (row) => row.requestedModel === "reasoning"],
    ["backend", { backend: "qwen-32b" }, (row) => row.backend === "qwen-32b"],
    ["one outcome", { outcome: "timeout" }, (row) => row.outcome === "timeout"],
    ["several outcomes", { outcome: ["rejected", "upstream_error"] }, (row) => ["rejected", "upstream_error"].includes(row.outcome)],
    ["one status", { status: 429 }, (row) => row.status === 429],
    ["several statuses", { status: [502, 504] }, (row) => row.status === 502 || row.status === 504],
    ["streaming only", { stream: true }, (row) => row.stream],
    ["non-streaming only", { stream: false }, (row) => !row.stream],
    ["client address", { clientAddress: "10.0.0.2" }, (row) => row.clientAddress === "10.0.0.2"],
    ["error text in the message, any case", { errorText: "FIRST TOKEN" }, (row) => row.outcome === "timeout"],
    ["error text in the code", { errorText: "unreachable" }, (row) => row.errorCode === "backend_unreachable"],
    [
      "everything at once",
      { from, backend: "qwen-7b", stream: false, outcome: ["served", "timeout"] },
      (row) => row.receivedAt >= from && row.backend === "qwen-7b" && !row.stream && ["served", "timeout"].includes(row.outcome),
    ],
  ];

  test.each(cases)("filter: %s", async (_name, filters, predicate) => {
    const expected = seeded.filter(predicate).sort(newestFirst).map((row) => row.id);
    expect(expected.length).toBeGreaterThan(0); // a filter that matches nothing would prove nothing
    expect(expected.length).toBeLessThan(seeded.length);
    const rows = await listAll(filters, 7, prisma);
    expect(rows.map((row) => row.id)).toEqual(expected);
  });

  test("pages already handed out stay stable while new requests arrive", async () => {
    const first = await listRequestLogs({ limit: 20 }, prisma);
    await prisma.requestLog.create({
      data: {
        id: "arrived-later",
        receivedAt: new Date(BASE + 10_000 * MINUTE),
        method: "POST",
        endpoint: "/v1/completions",
        stream: false,
        outcome: "open",
      },
    });
    try {
      const second = await listRequestLogs({ limit: 20, cursor: first.nextCursor }, prisma);
      const expected = [...seeded].sort(newestFirst).slice(20, 40).map((row) => row.id);
      expect(second.rows.map((row) => row.id)).toEqual(expected);
    } finally {
      await prisma.requestLog.delete({ where: { id: "arrived-later" } });
    }
  });

  test("a tampered cursor is refused with a typed error", async () => {
    await expect(listRequestLogs({ cursor: "not-a-cursor" }, prisma)).rejects.toBeInstanceOf(InvalidCursorError);
    const wrongShape = Buffer.from(JSON.stringify({ a: 1 })).toString("base64url");
    await expect(listRequestLogs({ cursor: wrongShape }, prisma)).rejects.toMatchObject({ code: "invalid_cursor" });
  });

  test("page size is clamped to a sane range", async () => {
    expect((await listRequestLogs({ limit: 0 }, prisma)).rows).toHaveLength(1);
    expect((await listRequestLogs({ limit: 100_000 }, prisma)).rows).toHaveLength(300);
  });

  test("getRequestLog finds one row by id, or null", async () => {
    const target = seeded[123] as RequestLog;
    expect(await getRequestLog(target.id, prisma)).toEqual(target);
    expect(await getRequestLog("no-such-request", prisma)).toBeNull();
  });
});

describe("applyRequestLogRetention", () => {
  let prisma: PrismaClient;
  const now = new Date(BASE + 30 * DAY);

  async function seedDaily(days: number) {
    await prisma.requestLog.deleteMany();
    // Two rows per day, the same instant, one to twenty-nine days old.
    const rows = Array.from({ length: days * 2 }, (_, i) => ({
      id: `day-${Math.floor(i / 2) + 1}-${i % 2}`,
      receivedAt: new Date(now.getTime() - (Math.floor(i / 2) + 1) * DAY),
      method: "POST",
      endpoint: "/v1/chat/completions",
      stream: false,
      outcome: "served",
    }));
    await prisma.requestLog.createMany({ data: rows });
  }

  let retentionDbFile: string;

  beforeAll(() => {
    retentionDbFile = freshDatabase("retention");
    prisma = createPrismaClient(retentionDbFile);
  });

  afterAll(async () => {
    await prisma.$disconnect();
  });

  test("maxAgeDays deletes rows older than the age and keeps the rest", async () => {
    await seedDaily(29);
    expect(await applyRequestLogRetention({ maxAgeDays: 7.5, now }, prisma)).toBe(22 * 2);
    const oldest = await prisma.requestLog.findFirst({ orderBy: { receivedAt: "asc" } });
    expect(oldest?.receivedAt).toEqual(new Date(now.getTime() - 7 * DAY));
    expect(await prisma.requestLog.count()).toBe(14);
    expect(await applyRequestLogRetention({ maxAgeDays: 7.5, now }, prisma)).toBe(0);
  });

  test("maxRows keeps exactly the newest rows, even when the boundary splits a tie", async () => {
    await seedDaily(29);
    expect(await applyRequestLogRetention({ maxRows: 11 }, prisma)).toBe(58 - 11);
    const kept = await prisma.requestLog.findMany({ orderBy: [{ receivedAt: "desc" }, { id: "desc" }] });
    expect(kept.map((row) => row.id)).toEqual([
      "day-1-1", "day-1-0", "day-2-1", "day-2-0", "day-3-1", "day-3-0",
      "day-4-1", "day-4-0", "day-5-1", "day-5-0", "day-6-1",
    ]);
    expect(await applyRequestLogRetention({ maxRows: 11 }, prisma)).toBe(0);
  });

  test("both limits together report the total deleted", async () => {
    await seedDaily(29);
    expect(await applyRequestLogRetention({ maxAgeDays: 10.5, maxRows: 5 }, prisma)).toBe(58 - 5);
    expect(await prisma.requestLog.count()).toBe(5);
  });

  test("deletes far more rows than one chunk", async () => {
    await prisma.requestLog.deleteMany();
    // Seeded through the batched writer: Prisma's createMany is far slower at this size.
    const writer = createRequestLogWriter({ dbFile: retentionDbFile, maxQueue: 20_000, flushIntervalMs: 3_600_000 });
    for (let i = 0; i < 12_345; i++) {
      writer.record({
        id: `bulk-${i}`,
        receivedAt: new Date(BASE + i * 1000),
        method: "POST",
        endpoint: "/v1/embeddings",
        stream: false,
        outcome: "served",
      });
    }
    await writer.stop();
    expect(writer.stats()).toMatchObject({ written: 12_345, dropped: 0 });
    expect(await applyRequestLogRetention({ maxRows: 100 }, prisma)).toBe(12_245);
    const oldestKept = await prisma.requestLog.findFirst({ orderBy: { receivedAt: "asc" } });
    expect(oldestKept?.id).toBe("bulk-12245");
  });
});
