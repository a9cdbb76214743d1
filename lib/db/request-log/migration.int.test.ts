import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { applyMigrations } from "@/lib/db/migrate";
import { openSqlite } from "@/lib/db/sqlite";
import { recountedRollups, storedRollups, storedUsage, usageFromMinuteRollups } from "./test-support";

// The request log's rebuild (20261206120000_request_log_at_scale) on a database made by the schema before it:
// every row survives with every value, in its order, findable by the id its client saw; bodies move to RequestBody;
// the rollups are filled from the finished rows.

const migrationsDir = path.resolve(import.meta.dirname, "../../../prisma/migrations");
const REBUILD = "20261206120000_request_log_at_scale";
const migrationSql = readFileSync(path.join(migrationsDir, REBUILD, "migration.sql"), "utf8");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "switchyard-upgrade-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The migrations folder as it was before the rebuild. */
function migrationsBeforeRebuild(): string {
  const before = path.join(dir, "migrations-before");
  for (const name of readdirSync(migrationsDir)) {
    if (name < REBUILD) cpSync(path.join(migrationsDir, name), path.join(before, name), { recursive: true });
  }
  return before;
}

const OLD_COLUMNS = [
  "id", "receivedAt", "finishedAt", "clientAddress", "method", "endpoint", "requestedModel", "route", "backend", "stream", "status", "outcome",
  "errorMessage", "promptTokens", "completionTokens", "ttftMs", "durationMs", "apiKeyId", "energyWh", "requestBody", "responseBody",
] as const;

test("a populated old-schema database upgrades in place with every row intact", () => {
  const dbFile = path.join(dir, "switchyard.db");
  applyMigrations(dbFile, migrationsBeforeRebuild());
  const old = openSqlite(dbFile);
  const insert = old.prepare(`INSERT INTO "RequestLog" (${OLD_COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES (${OLD_COLUMNS.map(() => "?").join(", ")})`);
  // "timeout" with 200: a stream cut after its 200 went out, which 20261207180000_rollup_failed_streams recounts.
  const outcomes = ["served", "served", "client_abort", "upstream_error", "bad_request", "rejected", "open", "timeout"];
  const statuses: Record<string, number | null> = { served: 200, client_abort: 200, upstream_error: 502, bad_request: 400, rejected: 503, open: null, timeout: 200 };
  const rows: unknown[][] = [];
  for (let i = 0; i < 500; i++) {
    const outcome = outcomes[i % outcomes.length]!;
    // Ties of receivedAt, ids that do not sort like time (client-given and UUIDs), bodies on some rows.
    const receivedAt = new Date(Date.UTC(2026, 10, 27, 12, Math.floor(i / 40), i % 7)).toISOString().replace("Z", "+00:00");
    rows.push([
      i % 5 === 0 ? `client-trace-${1000 - i}` : `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      receivedAt,
      outcome === "open" ? null : receivedAt,
      `10.0.0.${i % 4}`,
      "POST",
      "/v1/chat/completions",
      i % 3 === 0 ? "reasoning" : "fast",
      i % 3 === 0 ? "reasoning" : "fast",
      i % 3 === 0 ? "qwen-14b" : "qwen-7b",
      i % 2,
      statuses[outcome] ?? null,
      outcome,
      outcome === "upstream_error" ? "backend reset" : null,
      i * 3,
      outcome === "served" ? i : null,
      outcome === "open" ? null : 20 + i,
      outcome === "open" ? null : 100 + i * 7,
      i % 6 === 0 ? null : `key-${i % 6}`,
      outcome === "open" ? null : i / 1000,
      i % 10 === 0 ? `{"prompt":${i}}` : null,
      i % 10 === 0 ? `answer ${i}` : null,
    ]);
  }
  old.transaction(() => rows.forEach((row) => insert.run(...row)))();
  old.close();

  expect(applyMigrations(dbFile, migrationsDir)).toContain(REBUILD);
  const db = openSqlite(dbFile);
  const upgraded = db.prepare(`SELECT * FROM "RequestLog" ORDER BY "id"`).all() as Record<string, unknown>[];
  expect(upgraded).toHaveLength(rows.length);
  // Ids follow the old order (receivedAt, then the old id), from 1 up.
  const expectedOrder = [...rows].sort((a, b) => (a[1] === b[1] ? ((a[0] as string) < (b[0] as string) ? -1 : 1) : (a[1] as string) < (b[1] as string) ? -1 : 1));
  expect(upgraded.map((row) => row.id)).toEqual(expectedOrder.map((_, i) => i + 1));
  for (const [i, row] of upgraded.entries()) {
    const before = expectedOrder[i]!;
    const expected = Object.fromEntries(OLD_COLUMNS.filter((c) => c !== "id" && c !== "requestBody" && c !== "responseBody").map((c) => [c, before[OLD_COLUMNS.indexOf(c)]]));
    expect(row).toMatchObject({ ...expected, clientRequestId: before[0], statusClass: before[10] === null ? null : Math.floor((before[10] as number) / 100) });
    const body = db.prepare(`SELECT "requestBody", "responseBody" FROM "RequestBody" WHERE "requestLogId" = ?`).get(row.id) as { requestBody: string; responseBody: string } | undefined;
    expect(body ?? null).toEqual(before[19] === null ? null : { requestBody: before[19], responseBody: before[20] });
  }
  expect(storedRollups(db)).toEqual(recountedRollups(db, migrationSql));
  expect(storedUsage(db)).toEqual(usageFromMinuteRollups(db));
  expect(Object.keys(storedUsage(db)).length).toBeGreaterThan(0);
  expect(storedRollups(db).reduce((sum, row) => sum + (row.requests as number), 0)).toBe(rows.filter((row) => row[11] !== "open").length);
  expect(storedRollups(db).reduce((sum, row) => sum + (row.failedStreams as number), 0)).toBe(rows.filter((row) => row[11] === "timeout").length);
  expect(Math.max(...storedRollups(db).map((row) => row.durationMaxMs as number))).toBe(Math.max(...rows.filter((row) => row[11] !== "open").map((row) => row[16] as number)));
  expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
  db.close();
});
