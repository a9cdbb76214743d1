import { expect, test } from "vitest";
import { migratedTestDatabase } from "@/lib/db/test-database";
import { insertOperationTimings, listRecentOperationTimings, pruneOperationTimings } from "./operation-timings";

const db = migratedTestDatabase("operation-timings");

const row = (i: number) => ({
  at: new Date(Date.UTC(2026, 11, 6, 12, 0, i)),
  kind: "cold_load",
  step: null,
  backendId: "qwen-7b",
  fromMode: null,
  toMode: null,
  durationMs: 1_000 * i,
  operationId: `op-${i}`,
});

test("the newest timings come back oldest first, and pruning keeps only the newest", async () => {
  await insertOperationTimings([1, 2, 3, 4, 5, 6].map(row), db.prisma);
  await insertOperationTimings([], db.prisma);
  expect((await listRecentOperationTimings(3, db.prisma)).map((r) => r.durationMs)).toEqual([4_000, 5_000, 6_000]);
  expect(await pruneOperationTimings(4, db.prisma)).toBe(2);
  expect(await pruneOperationTimings(4, db.prisma)).toBe(0);
  const kept = await listRecentOperationTimings(100, db.prisma);
  expect(kept.map((r) => r.operationId)).toEqual(["op-3", "op-4", "op-5", "op-6"]);
  expect(kept[0]).toMatchObject({ kind: "cold_load", backendId: "qwen-7b", step: null, at: new Date(Date.UTC(2026, 11, 6, 12, 0, 3)) });
});
