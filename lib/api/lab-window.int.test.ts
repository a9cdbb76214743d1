import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createLabEvent } from "@/lib/db/queries/lab-events";
import { createModeSwitch } from "@/lib/db/queries/mode-switches";
import { doorsOnlyLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";

/**
 * `from`/`to` on GET /api/modes/switches and GET /api/lab-events (the time charts read their markers for the range
 * they show): the API over real HTTP on a temp SQLite file, with operations and events written at known times a
 * week ago, away from anything the running lab records about itself.
 */

let app: AppHarness;
const BASE = Date.now() - 7 * 86_400_000;
const at = (offsetMs: number) => new Date(BASE + offsetMs);
const MIN = 60_000;
const HOUR = 3_600_000;

beforeAll(async () => {
  app = await startAppHarness({ yaml: () => doorsOnlyLabYaml("open") });
  const db = app.switchyard.db;
  const operation = async (id: string, startedAt: number, finishedAt: number | null) => {
    await createModeSwitch({ id, kind: "restart", requestedBy: "api", backendId: "window-test", startedAt: at(startedAt) }, db);
    if (finishedAt !== null) await db.modeSwitch.update({ where: { id }, data: { status: "succeeded", finishedAt: at(finishedAt), durationMs: finishedAt - startedAt } });
  };
  await operation("ended-before", -2 * HOUR, -2 * HOUR + 40_000);
  await operation("straddles-from", -30_000, 20_000);
  await operation("inside", HOUR, HOUR + 40_000);
  await operation("still-running", 2 * HOUR, null);
  for (const [offset, kind] of [
    [-1_000, "container_exit"],
    [0, "oom"],
    [HOUR, "watchdog_restart"],
    [HOUR + MIN, "health_change"],
    [3 * HOUR, "container_exit"],
  ] as const) {
    await createLabEvent({ kind, severity: "error", backendId: "window-test", message: `${kind} at ${offset}`, at: at(offset) }, db);
  }
}, 60_000);

afterAll(async () => {
  await app?.close();
});

type Envelope<T> = { data?: T; error?: { code: string; message: string } };

async function get<T>(path: string): Promise<{ status: number; body: Envelope<T> }> {
  const response = await fetch(`${app.url}${path}`);
  return { status: response.status, body: (await response.json()) as Envelope<T> };
}

const iso = (offsetMs: number) => encodeURIComponent(at(offsetMs).toISOString());

async function switchIds(query: string): Promise<string[]> {
  const response = await get<{ rows: { id: string }[] }>(`/api/modes/switches?backendId=window-test&${query}`);
  expect(response.status, query).toBe(200);
  return response.body.data!.rows.map((row) => row.id);
}

async function eventMessages(query: string): Promise<string[]> {
  const response = await get<{ rows: { message: string }[] }>(`/api/lab-events?backendId=window-test&${query}`);
  expect(response.status, query).toBe(200);
  return response.body.data!.rows.map((row) => row.message);
}

describe("GET /api/modes/switches with a time window", () => {
  test("from: the operations still running at it or later, one that began before it included, newest first", async () => {
    expect(await switchIds("")).toEqual(["still-running", "inside", "straddles-from", "ended-before"]);
    expect(await switchIds(`from=${iso(0)}`)).toEqual(["still-running", "inside", "straddles-from"]);
    expect(await switchIds(`from=${iso(30_000)}`)).toEqual(["still-running", "inside"]);
  });

  test("to: only those started before it; pages go on inside the window", async () => {
    expect(await switchIds(`from=${iso(0)}&to=${iso(2 * HOUR)}`)).toEqual(["inside", "straddles-from"]);
    const first = await get<{ rows: { id: string }[]; nextCursor: string | null }>(`/api/modes/switches?backendId=window-test&from=${iso(0)}&limit=2`);
    expect(first.body.data?.rows.map((row) => row.id)).toEqual(["still-running", "inside"]);
    expect(await switchIds(`from=${iso(0)}&limit=2&cursor=${first.body.data!.nextCursor}`)).toEqual(["straddles-from"]);
  });
});

describe("GET /api/modes/switches?steps=false, what the charts' markers read", () => {
  test("the same operations in the same pages, without their steps", async () => {
    // Its own backend id, so the other tests' lists stay as they are.
    await createModeSwitch({ id: "with-steps", kind: "restart", requestedBy: "api", backendId: "steps-test", startedAt: at(90 * MIN) }, app.switchyard.db);
    await createModeSwitch({ id: "without-steps", kind: "restart", requestedBy: "api", backendId: "steps-test", startedAt: at(80 * MIN) }, app.switchyard.db);
    await app.switchyard.db.modeSwitchStep.create({ data: { switchId: "with-steps", position: 0, name: "stop_containers", status: "succeeded", startedAt: at(90 * MIN) } });
    const query = `/api/modes/switches?backendId=steps-test&from=${iso(0)}&to=${iso(2 * HOUR)}`;
    const full = await get<{ rows: { id: string; steps?: unknown[] }[] }>(query);
    const bare = await get<{ rows: { id: string; steps?: unknown[] }[] }>(`${query}&steps=false`);
    expect(full.body.data!.rows.map((row) => row.id)).toEqual(["with-steps", "without-steps"]);
    expect(bare.body.data!.rows.map((row) => row.id)).toEqual(["with-steps", "without-steps"]);
    expect(full.body.data!.rows.find((row) => row.id === "with-steps")?.steps).toHaveLength(1);
    for (const row of bare.body.data!.rows) expect(row).not.toHaveProperty("steps");
    expect((await get(`${query}&steps=no`)).status).toBe(400);
  });
});

describe("GET /api/lab-events with a time window", () => {
  test("from is inclusive, to exclusive; several kinds comma-separated", async () => {
    expect(await eventMessages(`from=${iso(0)}`)).toEqual(["container_exit at 10800000", "health_change at 3660000", "watchdog_restart at 3600000", "oom at 0"]);
    expect(await eventMessages(`from=${iso(0)}&to=${iso(3 * HOUR)}&kind=container_exit,oom,watchdog_restart`)).toEqual(["watchdog_restart at 3600000", "oom at 0"]);
    // One kind as before.
    expect(await eventMessages("kind=container_exit")).toEqual(["container_exit at 10800000", "container_exit at -1000"]);
  });
});

describe("a bad window is a 400 that says what is wrong", () => {
  test.each(["/api/modes/switches", "/api/lab-events"])("%s", async (path) => {
    const garbage = await get(`${path}?from=yesterday`);
    expect(garbage.status).toBe(400);
    expect(garbage.body.error?.code).toBe("bad_request");
    expect(garbage.body.error?.message).toContain("from");
    const reversed = await get(`${path}?from=${iso(HOUR)}&to=${iso(0)}`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error?.message).toContain("from must be before to");
  });
});
