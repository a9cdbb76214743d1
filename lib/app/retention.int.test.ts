import { afterAll, beforeAll, expect, test } from "vitest";
import { parseLabConfig } from "@/lib/config/parse";
import { createAuditEntries, listAuditEntries, type CreateAuditEntryInput } from "@/lib/db/queries/audit-entries";
import { createRequestLogReader, type RequestLogReader } from "@/lib/db/request-log/reader";
import { migratedTestDatabase } from "@/lib/db/test-database";
import { applyRetention, startRetention } from "./retention";

// The retention pass on a real SQLite file, as the process schedules it (startRetention: a pass at start, then
// hourly), with the request log's own reader worker.

const DAY = 86_400_000;
const database = migratedTestDatabase("retention");
let requestLog: RequestLogReader;

beforeAll(() => {
  requestLog = createRequestLogReader({ dbFile: database.dbFile });
});
afterAll(async () => {
  await requestLog?.close();
});

const lab = (extra = "") =>
  parseLabConfig(`
runtime: none
backends:
  a: { url: http://127.0.0.1:9001, servedModel: model-a }
modes:
  only: { backends: [a] }
${extra}`);

const entry = (daysAgo: number): CreateAuditEntryInput => ({
  at: new Date(Date.now() - daysAgo * DAY),
  kind: "route",
  action: "updated",
  target: `route-${daysAgo}`,
  summary: `route ${daysAgo} days ago`,
  before: ["a"],
  after: ["a", "b"],
  beforeYaml: null,
  afterYaml: null,
  actorVia: "open",
  actorSession: null,
  actorAddress: "127.0.0.1",
  actorUserAgent: null,
  actorClient: "console",
});

const targets = async () => (await listAuditEntries({ limit: 200 }, database.prisma)).rows.map((row) => row.target);

test("audit entries are kept audit.retentionDays (365 unless set) by the scheduled pass; younger ones stay", async () => {
  expect(lab().audit.retentionDays).toBe(365);
  await createAuditEntries([entry(800), entry(366), entry(364), entry(30), entry(0)], database.prisma);

  // The pass that runs at start, as createSwitchyard starts it.
  const retention = startRetention(() => lab(), database.prisma, requestLog);
  await retention.stop();
  expect(await targets()).toEqual(["route-0", "route-30", "route-364"]);

  // A shorter limit from the config file applies at the next pass.
  await applyRetention(lab("audit: { retentionDays: 7 }"), database.prisma, requestLog);
  expect(await targets()).toEqual(["route-0"]);
});

test("a bad audit.retentionDays is refused with its path", () => {
  expect(() => lab("audit: { retentionDays: 0 }")).toThrow(/audit\.retentionDays/);
  expect(() => lab("audit: { keepForever: true }")).toThrow(/audit/);
});
