import { beforeAll, expect, test } from "vitest";
import type { PrismaClient } from "@/lib/db/client";
import { migratedTestDatabase } from "@/lib/db/test-database";
import { applyAlertDeliveryRetention, createAlertDelivery, listAlertDeliveries, type CreateAlertDeliveryInput } from "@/lib/db/queries/alert-deliveries";

const DAY = 86_400_000;
const NOW = new Date(Date.UTC(2026, 11, 7, 14, 0, 0));

const database = migratedTestDatabase("alert-deliveries");
let prisma: PrismaClient;

beforeAll(() => {
  prisma = database.prisma;
});

const delivery = (daysAgo: number, overrides: Partial<CreateAlertDeliveryInput> = {}): CreateAlertDeliveryInput => ({
  at: new Date(NOW.getTime() - daysAgo * DAY),
  alertId: `alert-${daysAgo}`,
  kind: "backend_crashed",
  severity: "error",
  webhook: "ops",
  status: "delivered",
  httpStatus: 204,
  error: null,
  durationMs: 12,
  attempt: 1,
  willRetry: false,
  resolved: false,
  backendId: "qwen-14b",
  title: "qwen-14b crashed",
  message: "qwen-14b exited with code 137",
  ...overrides,
});

test("deliveries list newest first in keyset pages, by webhook and status; retention drops the old ones only", async () => {
  for (const daysAgo of [40, 31, 10, 2, 1]) await createAlertDelivery(delivery(daysAgo), prisma);
  await createAlertDelivery(delivery(0.5, { webhook: "phone", status: "failed", httpStatus: 500, error: "HTTP 500", willRetry: true }), prisma);
  await createAlertDelivery(delivery(0.25, { webhook: "phone", status: "dropped", httpStatus: null, durationMs: null, attempt: 0 }), prisma);

  const first = await listAlertDeliveries({ limit: 3 }, prisma);
  expect(first.rows.map((row) => row.status)).toEqual(["dropped", "failed", "delivered"]);
  const second = await listAlertDeliveries({ limit: 3, cursor: first.nextCursor }, prisma);
  expect(second.rows.map((row) => row.alertId)).toEqual(["alert-2", "alert-10", "alert-31"]);
  expect((await listAlertDeliveries({ webhook: "phone" }, prisma)).rows).toHaveLength(2);
  expect((await listAlertDeliveries({ status: "failed" }, prisma)).rows).toMatchObject([{ webhook: "phone", httpStatus: 500, willRetry: true }]);

  expect(await applyAlertDeliveryRetention({ maxAgeDays: 30, now: NOW }, prisma)).toBe(2);
  expect((await listAlertDeliveries({}, prisma)).rows.map((row) => row.alertId)).not.toContain("alert-31");
  expect((await listAlertDeliveries({}, prisma)).rows).toHaveLength(5);
});
