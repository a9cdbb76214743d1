import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { RequestLogEntry } from "@/lib/request-log/record";
import { createRequestLogWriter } from "@/lib/db/request-log-writer";
import { listPage, walksFor, type RequestLogFilters } from "./queries";
import { applyRequestLogRetention } from "./retention";
import { createLogFixture, finishedEntry, recountedRollups, storedRollups, storedUsage, usageFromMinuteRollups, type LogFixture } from "./test-support";

const migrationSql = readFileSync(path.resolve(import.meta.dirname, "../../../prisma/migrations/20261206120000_request_log_at_scale/migration.sql"), "utf8");

let log: LogFixture;
beforeEach(() => {
  log = createLogFixture();
});
afterEach(async () => {
  await log.close();
});

function write(entries: RequestLogEntry[]): void {
  for (const entry of entries) log.writer.record(entry);
  void log.writer.flush();
  expect(log.writer.stats()).toMatchObject({ dropped: 0, failedBatches: 0 });
}

describe("query plans: every list filter walks an index ending in receivedAt, never a scan or a sort", () => {
  const at = new Date("2026-11-27T12:00:00Z");
  const cases: [string, RequestLogFilters, string][] = [
    ["no filter", {}, "RequestLog_receivedAt_idx"],
    ["time range", { from: new Date(at.getTime() - 3_600_000), to: at }, "RequestLog_receivedAt_idx"],
    ["model", { model: ["fast"] }, "RequestLog_requestedModel_receivedAt_idx"],
    ["route", { route: ["reasoning"] }, "RequestLog_route_receivedAt_idx"],
    ["backend", { backend: ["qwen-7b"] }, "RequestLog_backend_receivedAt_idx"],
    ["outcome", { outcome: ["served"] }, "RequestLog_outcome_receivedAt_idx"],
    ["status class", { statusClass: [5] }, "RequestLog_statusClass_receivedAt_idx"],
    ["exact status", { status: [503] }, "RequestLog_statusClass_receivedAt_idx"],
    ["API key", { apiKeyId: ["key-1"] }, "RequestLog_apiKeyId_receivedAt_idx"],
    ["client", { clientAddress: ["10.0.0.5"] }, "RequestLog_clientAddress_receivedAt_idx"],
    ["stream", { stream: true }, "RequestLog_stream_receivedAt_idx"],
    ["error text", { errorText: "timeout" }, "RequestLog_receivedAt_idx"],
    ["several filters and a time range", { model: ["fast"], backend: ["qwen-7b"], outcome: ["served", "client_abort"], from: new Date(0), to: at, stream: false }, "RequestLog_backend_receivedAt_idx"],
  ];

  test.each(cases)("%s", (_name, filters, index) => {
    for (const before of [null, { at, id: 42 }]) {
      for (const walk of walksFor(filters, before, 51)) {
        const plan = (log.db.prepare(`EXPLAIN QUERY PLAN ${walk.sql}`).all(...walk.params) as { detail: string }[]).map((row) => row.detail).join(" | ");
        // Walking the index in order from its newest end is the point; a plain "SCAN RequestLog" (the table) or a
        // sort would not be. After a cursor the walk starts at it: a range on (receivedAt, id).
        expect(plan).toMatch(new RegExp(`^(SEARCH|SCAN) RequestLog USING (COVERING )?INDEX ${index}( \\(|$)`));
        expect(plan).not.toContain("TEMP B-TREE");
        if (before) expect(plan).toMatch(new RegExp(`^SEARCH RequestLog USING (COVERING )?INDEX ${index} \\(.*receivedAt<\\?\\)`));
      }
    }
  });

  test("a filter with several values walks each value's range (merged in order), not one sorted set", () => {
    const walks = walksFor({ outcome: ["served", "timeout", "client_abort"] }, null, 51);
    expect(walks).toHaveLength(3);
  });

  test("the client's x-request-id is looked up by its own index", () => {
    const [walk] = walksFor({ clientRequestId: "trace-1" }, null, 51);
    const plan = (log.db.prepare(`EXPLAIN QUERY PLAN ${walk!.sql}`).all(...walk!.params) as { detail: string }[]).map((row) => row.detail).join(" | ");
    expect(plan).toContain("USING INDEX RequestLog_clientRequestId_idx (clientRequestId=?)");
  });
});

describe("keyset pages", () => {
  test("never repeat or skip a row across ties of receivedAt, with and without filters", () => {
    // 60 rows over 6 instants: ties everywhere; two models so a filter has something to do.
    const instants = Array.from({ length: 6 }, (_, i) => new Date(Date.UTC(2026, 10, 27, 12, 0, i)));
    const entries = Array.from({ length: 60 }, (_, i) => finishedEntry(log.writer, { receivedAt: instants[i % 6]!, requestedModel: i % 3 === 0 ? "reasoning" : "fast" }));
    write(entries);
    for (const filters of [{}, { model: ["fast"] }, { outcome: ["served"], model: ["fast", "reasoning"] }] as RequestLogFilters[]) {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = listPage(log.db, { filters, limit: 7, cursor });
        seen.push(...page.rows.map((row) => row.id));
        cursor = page.nextCursor;
      } while (cursor);
      const expected = entries
        .filter((entry) => !filters.model || filters.model.includes(entry.requestedModel ?? ""))
        .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || b.id - a.id)
        .map((entry) => entry.id);
      expect(seen).toEqual(expected);
    }
  });

  test("filters by status class and exact status, key, client, route and the client's request id", () => {
    write([
      finishedEntry(log.writer, { status: 503, outcome: "rejected", apiKeyId: "k1", clientAddress: "10.0.0.1", route: "fast", clientRequestId: "dup" }),
      finishedEntry(log.writer, { status: 502, outcome: "upstream_error", apiKeyId: "k2", clientAddress: "10.0.0.2", route: "reasoning", clientRequestId: "dup" }),
      finishedEntry(log.writer, { status: 404, outcome: "bad_request", apiKeyId: "k1", clientAddress: "10.0.0.2", route: null }),
      finishedEntry(log.writer, { status: 200, outcome: "served", apiKeyId: null, clientAddress: "10.0.0.1", route: "fast" }),
    ]);
    const ids = (filters: RequestLogFilters) => listPage(log.db, { filters }).rows.map((row) => row.id);
    expect(ids({ statusClass: [5] })).toEqual([2, 1]);
    expect(ids({ status: [503] })).toEqual([1]);
    expect(ids({ statusClass: [4, 5] })).toEqual([3, 2, 1]);
    expect(ids({ apiKeyId: ["k1"] })).toEqual([3, 1]);
    expect(ids({ clientAddress: ["10.0.0.2"] })).toEqual([3, 2]);
    expect(ids({ route: ["fast"], clientAddress: ["10.0.0.1"] })).toEqual([4, 1]);
    expect(ids({ clientRequestId: "dup" })).toEqual([2, 1]);
  });
});

describe("rollups", () => {
  const entryArbitrary = fc.record({
    minute: fc.integer({ min: 0, max: 4 }),
    second: fc.integer({ min: 0, max: 59 }),
    backend: fc.constantFrom("qwen-7b", "qwen-14b", null),
    route: fc.constantFrom("fast", "reasoning", null),
    model: fc.constantFrom("fast", "auto", "qwen2.5-7b-instruct", null),
    key: fc.constantFrom("k1", "k2", null),
    client: fc.constantFrom("10.0.0.1", "10.0.0.2", null),
    outcome: fc.constantFrom("served", "client_abort", "upstream_error", "timeout", "rejected", "bad_request"),
    status: fc.constantFrom(200, 400, 404, 429, 500, 502, 503, 504, null),
    promptTokens: fc.option(fc.integer({ min: 0, max: 5000 })),
    completionTokens: fc.option(fc.integer({ min: 0, max: 5000 })),
    energyWh: fc.option(fc.double({ min: 0, max: 2, noNaN: true })),
    ttftMs: fc.option(fc.double({ min: 0, max: 120_000, noNaN: true })),
    durationMs: fc.option(fc.double({ min: 0, max: 600_000, noNaN: true })),
    /** Left open, then finished in a later batch; or finished twice (the second replaces the first). */
    lifecycle: fc.constantFrom("finished", "open-then-finished", "finished-twice", "left-open"),
  });

  test("equal a recount from the raw rows after a random workload (open rows, later finals, replaced finals); the usage table sums them", () => {
    fc.assert(
      fc.property(fc.array(entryArbitrary, { minLength: 1, maxLength: 40 }), (specs) => {
        log.db.exec(`DELETE FROM "RequestRollup"; DELETE FROM "RequestUsage"; DELETE FROM "RequestLog";`);
        const later: RequestLogEntry[] = [];
        for (const spec of specs) {
          const entry = finishedEntry(log.writer, {
            receivedAt: new Date(Date.UTC(2026, 10, 27, 12, spec.minute, spec.second)),
            backend: spec.backend,
            route: spec.route,
            requestedModel: spec.model,
            apiKeyId: spec.key,
            clientAddress: spec.client,
            outcome: spec.outcome,
            status: spec.status,
            promptTokens: spec.promptTokens,
            completionTokens: spec.completionTokens,
            energyWh: spec.energyWh,
            ttftMs: spec.ttftMs,
            durationMs: spec.durationMs,
          });
          if (spec.lifecycle === "finished") log.writer.record(entry);
          if (spec.lifecycle === "left-open") log.writer.record({ ...entry, outcome: "open", status: null });
          if (spec.lifecycle === "open-then-finished") {
            log.writer.record({ ...entry, outcome: "open", status: null });
            later.push(entry);
          }
          if (spec.lifecycle === "finished-twice") {
            log.writer.record({ ...entry, outcome: "served", status: 200, completionTokens: 1 });
            later.push(entry);
          }
        }
        void log.writer.flush();
        for (const entry of later) log.writer.record(entry);
        void log.writer.flush();
        expect(log.writer.stats()).toMatchObject({ dropped: 0, failedBatches: 0 });
        expect(storedRollups(log.db)).toEqual(recountedRollups(log.db, migrationSql));
        expect(storedUsage(log.db)).toEqual(usageFromMinuteRollups(log.db));
      }),
      { numRuns: 60 },
    );
  });

  test("a cut stream replaced by its served final is taken back; a maximum is not (it keeps the larger)", () => {
    const cut = finishedEntry(log.writer, { status: 200, outcome: "upstream_error", ttftMs: 900, durationMs: 4_000 });
    write([cut]);
    expect(storedRollups(log.db)).toMatchObject([{ requests: 1, failedStreams: 1, status5xx: 0, ttftMaxMs: 900, durationMaxMs: 4_000 }]);
    write([{ ...cut, outcome: "served", ttftMs: 20, durationMs: 300 }]);
    // The counters follow the new final; the maxima keep the replaced row's larger values (documented in lib/db/README.md).
    expect(storedRollups(log.db)).toMatchObject([{ requests: 1, failedStreams: 0, ttft0: 1, ttft5: 0, ttftMaxMs: 900, durationMaxMs: 4_000 }]);
  });
});

describe("retention", () => {
  const now = new Date(Date.UTC(2026, 10, 27, 12, 0, 0));
  const keepAll = { maxAgeDays: 10_000, maxRows: 1_000_000, bodyDays: 10_000, rollupDays: 10_000, now };

  test("by rows keeps exactly the newest N, deleting in chunks", async () => {
    write(Array.from({ length: 1_234 }, (_, i) => finishedEntry(log.writer, { receivedAt: new Date(now.getTime() - (1_234 - i) * 1000) })));
    const result = await applyRequestLogRetention(log.db, { ...keepAll, maxRows: 100 });
    expect(result.rows).toBe(1_134);
    const ids = (log.db.prepare(`SELECT "id" FROM "RequestLog" ORDER BY "id"`).all() as { id: number }[]).map((row) => row.id);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => 1_135 + i));
  });

  test("an id is never given twice, even after retention deleted every row", async () => {
    write(Array.from({ length: 5 }, () => finishedEntry(log.writer, { receivedAt: new Date(now.getTime() - 40 * 86_400_000) })));
    expect((await applyRequestLogRetention(log.db, { ...keepAll, maxAgeDays: 30 })).rows).toBe(5);
    const restarted = createRequestLogWriter({ dbFile: log.dbFile, flushIntervalMs: 3_600_000 });
    expect(restarted.nextId()).toBe(6);
    await restarted.stop();
  });

  test("by age keeps exactly the last D days; bodies and rollups by their own limits", async () => {
    const day = 86_400_000;
    write([
      finishedEntry(log.writer, { receivedAt: new Date(now.getTime() - 3 * day - 1), requestBody: "old", responseBody: "old" }),
      finishedEntry(log.writer, { receivedAt: new Date(now.getTime() - 3 * day + 1) }),
      finishedEntry(log.writer, { receivedAt: new Date(now.getTime() - 2 * day), requestBody: "kept row, old body" }),
      finishedEntry(log.writer, { receivedAt: new Date(now.getTime() - 1000), requestBody: "new", responseBody: "new" }),
    ]);
    const result = await applyRequestLogRetention(log.db, { ...keepAll, maxAgeDays: 3, bodyDays: 1, rollupDays: 2.5 as number });
    expect(result).toMatchObject({ rows: 1, bodies: 1 });
    expect((log.db.prepare(`SELECT "id" FROM "RequestLog" ORDER BY "id"`).all() as { id: number }[]).map((row) => row.id)).toEqual([2, 3, 4]);
    // The deleted row's body went with it (cascade); the kept row's old body went by its own age.
    expect((log.db.prepare(`SELECT "requestLogId" FROM "RequestBody"`).all() as { requestLogId: number }[]).map((row) => row.requestLogId)).toEqual([4]);
    const minutes = (log.db.prepare(`SELECT "minute" FROM "RequestRollup" ORDER BY "minute"`).all() as { minute: string }[]).map((row) => row.minute);
    expect(minutes).toHaveLength(2);
  });
});
