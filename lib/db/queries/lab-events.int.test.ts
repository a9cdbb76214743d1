import { beforeAll, describe, expect, test } from "vitest";
import type { PrismaClient } from "@/lib/db/client";
import { migratedTestDatabase } from "@/lib/db/test-database";
import { InvalidCursorError } from "@/lib/db/queries/keyset-cursor";
import {
  applyLabEventRetention,
  createLabEvent,
  type LabEvent,
  type LabEventSeverity,
  listLabEvents,
  type ListLabEventsParams,
} from "@/lib/db/queries/lab-events";

const BASE = Date.UTC(2026, 10, 1, 0, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;

const database = migratedTestDatabase("lab-events");
let prisma: PrismaClient;

beforeAll(() => {
  prisma = database.prisma;
});

describe("createLabEvent", () => {
  test("returns the stored row, with the detail as JSON text and the time defaulting to now", async () => {
    const before = Date.now();
    const event = await createLabEvent(
      {
        kind: "watchdog_restart",
        severity: "warning",
        backendId: "qwen-7b",
        message: "Restarted qwen-7b: health probe failed 3 times",
        detail: { failures: 3, lastError: "connect ECONNREFUSED", backoffMs: 4000 },
      },
      prisma,
    );
    expect(event.id).toEqual(expect.any(Number));
    expect(event.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(event.at.getTime()).toBeLessThanOrEqual(Date.now());
    const detail: unknown = JSON.parse(event.detail ?? "null");
    expect(detail).toEqual({ failures: 3, lastError: "connect ECONNREFUSED", backoffMs: 4000 });
    expect(await prisma.labEvent.findUnique({ where: { id: event.id } })).toEqual(event);

    const bare = await createLabEvent({ kind: "config_reload", severity: "info", message: "Config reloaded" }, prisma);
    expect(bare).toMatchObject({ backendId: null, detail: null });
    await prisma.labEvent.deleteMany();
  });
});

describe("listLabEvents", () => {
  const kinds = ["health_change", "container_exit", "watchdog_restart", "oom", "config_reload"];
  const severities: LabEventSeverity[] = ["info", "warning", "error"];
  const backends = ["qwen-7b", "qwen-14b", null];
  let seeded: LabEvent[];

  beforeAll(async () => {
    await prisma.labEvent.deleteMany();
    await prisma.labEvent.createMany({
      data: Array.from({ length: 120 }, (_, i) => ({
        kind: kinds[i % kinds.length] ?? "oom",
        severity: severities[i % severities.length] ?? "info",
        backendId: backends[i % backends.length] ?? null,
        message: `event ${i}`,
        // Three events per instant, so the id tie-break is exercised.
        at: new Date(BASE + Math.floor(i / 3) * MINUTE),
      })),
    });
    seeded = await prisma.labEvent.findMany();
  });

  const newestFirst = (a: LabEvent, b: LabEvent) => b.at.getTime() - a.at.getTime() || b.id - a.id;

  async function listAll(params: Omit<ListLabEventsParams, "cursor">): Promise<LabEvent[]> {
    const rows: LabEvent[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 200; pages++) {
      const page = await listLabEvents({ ...params, cursor }, prisma);
      rows.push(...page.rows);
      if (page.nextCursor === null) return rows;
      expect(page.rows).toHaveLength(params.limit ?? 0);
      cursor = page.nextCursor;
    }
    throw new Error("pagination did not terminate");
  }

  test("pages through every event once, newest first, ties broken by id", async () => {
    const rows = await listAll({ limit: 7 });
    expect(rows.map((row) => row.id)).toEqual([...seeded].sort(newestFirst).map((row) => row.id));
  });

  const before = new Date(BASE + 20 * MINUTE);
  const cases: Array<[string, Omit<ListLabEventsParams, "cursor" | "limit">, (event: LabEvent) => boolean]> = [
    ["backend", { backendId: "qwen-14b" }, (event) => event.backendId === "qwen-14b"],
    ["one kind", { kind: "oom" }, (event) => event.kind === "oom"],
    ["several kinds", { kind: ["oom", "container_exit"] }, (event) => ["oom", "container_exit"].includes(event.kind)],
    ["severity", { severity: "error" }, (event) => event.severity === "error"],
    ["several severities", { severity: ["warning", "error"] }, (event) => event.severity !== "info"],
    ["before (exclusive)", { before }, (event) => event.at < before],
    [
      "everything at once",
      { backendId: "qwen-7b", kind: ["health_change", "watchdog_restart", "oom"], severity: ["info", "error"], before },
      (event) =>
        event.backendId === "qwen-7b" &&
        ["health_change", "watchdog_restart", "oom"].includes(event.kind) &&
        event.severity !== "warning" &&
        event.at < before,
    ],
  ];

  test.each(cases)("filter: %s", async (_name, filters, predicate) => {
    const expected = seeded.filter(predicate).sort(newestFirst).map((row) => row.id);
    expect(expected.length).toBeGreaterThan(0); // a filter that matches nothing would prove nothing
    expect(expected.length).toBeLessThan(seeded.length);
    expect((await listAll({ ...filters, limit: 9 })).map((row) => row.id)).toEqual(expected);
  });

  test("a tampered cursor is refused with a typed error", async () => {
    await expect(listLabEvents({ cursor: "%%%" }, prisma)).rejects.toBeInstanceOf(InvalidCursorError);
    const stringId = Buffer.from(JSON.stringify([new Date(BASE).toISOString(), "12"])).toString("base64url");
    await expect(listLabEvents({ cursor: stringId }, prisma)).rejects.toMatchObject({ code: "invalid_cursor" });
  });

  test("page size is clamped to a sane range", async () => {
    expect((await listLabEvents({ limit: 0 }, prisma)).rows).toHaveLength(1);
    expect((await listLabEvents({ limit: 1_000_000 }, prisma)).rows).toHaveLength(120);
  });
});

describe("applyLabEventRetention", () => {
  test("deletes events older than maxAgeDays and keeps the rest", async () => {
    await prisma.labEvent.deleteMany();
    const now = new Date(BASE + 30 * DAY);
    for (let day = 1; day <= 20; day++) {
      await createLabEvent(
        { kind: "health_change", severity: "info", message: `day ${day}`, at: new Date(now.getTime() - day * DAY) },
        prisma,
      );
    }
    expect(await applyLabEventRetention({ maxAgeDays: 7.5, now }, prisma)).toBe(13);
    const kept = await prisma.labEvent.findMany({ orderBy: { at: "asc" } });
    expect(kept.map((event) => event.message)).toEqual(["day 7", "day 6", "day 5", "day 4", "day 3", "day 2", "day 1"]);
    expect(await applyLabEventRetention({ maxAgeDays: 7.5, now }, prisma)).toBe(0);
    await expect(applyLabEventRetention({ maxAgeDays: -1, now }, prisma)).rejects.toBeInstanceOf(RangeError);
  });
});
