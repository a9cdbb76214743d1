import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { PrismaClient } from "@/lib/db/client";
import { migratedTestDatabase } from "@/lib/db/test-database";
import { InvalidCursorError } from "@/lib/db/queries/keyset-cursor";
import {
  createModeSwitch,
  finishModeSwitch,
  finishModeSwitchStep,
  getModeSwitch,
  getRunningModeSwitch,
  INTERRUPTED_BY_RESTART,
  listModeSwitches,
  type ListModeSwitchesParams,
  getLastModeSwitchEndedAt,
  markInterruptedModeSwitches,
  type ModeSwitchWithSteps,
  ModeSwitchNotFoundError,
  startModeSwitchStep,
} from "@/lib/db/queries/mode-switches";

const BASE = Date.UTC(2026, 10, 1, 0, 0, 0);
const MINUTE = 60_000;

const database = migratedTestDatabase("mode-switches");
let prisma: PrismaClient;

beforeAll(() => {
  prisma = database.prisma;
});

beforeEach(async () => {
  await prisma.modeSwitch.deleteMany();
});

/** Runs one step for at least `ms` milliseconds, so durations are measurably non-zero. */
async function runStep(switchId: string, position: number, name: string, ms: number, detail?: string) {
  const stepId = await startModeSwitchStep(switchId, position, name, detail, prisma);
  await sleep(ms);
  return stepId;
}

async function recordSucceededStep(switchId: string, position: number, name: string) {
  const stepId = await startModeSwitchStep(switchId, position, name, null, prisma);
  return finishModeSwitchStep(stepId, "succeeded", null, prisma);
}

describe("a lab operation's lifecycle", () => {
  test("a mode switch records its steps in order, with durations, and ends rolled back with the error", async () => {
    const created = await createModeSwitch(
      { kind: "mode_switch", fromMode: "standard", toMode: "reasoning", requestedBy: "console" },
      prisma,
    );
    expect(created).toMatchObject({ status: "running", finishedAt: null, durationMs: null, error: null, steps: [] });
    expect((await getRunningModeSwitch(prisma))?.id).toBe(created.id);

    const stopAdmitting = await runStep(created.id, 0, "stop_admitting", 5);
    await finishModeSwitchStep(stopAdmitting, "succeeded", undefined, prisma);
    const drain = await runStep(created.id, 1, "drain", 30, "2 requests in flight");
    const drained = await finishModeSwitchStep(drain, "succeeded", undefined, prisma);
    expect(drained.detail).toBe("2 requests in flight"); // no new detail: the running one is kept
    const waitMemory = await runStep(created.id, 2, "wait_gpu_memory", 20);
    await finishModeSwitchStep(waitMemory, "failed", "GPU 0 still holds 20480 MiB after 60 s", prisma);
    const rollback = await runStep(created.id, 3, "rollback", 5);
    await finishModeSwitchStep(rollback, "succeeded", "back to standard", prisma);

    const finished = await finishModeSwitch(created.id, "rolled_back", "GPU memory was not released", prisma);
    expect(finished).toMatchObject({ status: "rolled_back", error: "GPU memory was not released" });
    expect(finished.steps.map((step) => [step.position, step.name, step.status, step.detail])).toEqual([
      [0, "stop_admitting", "succeeded", null],
      [1, "drain", "succeeded", "2 requests in flight"],
      [2, "wait_gpu_memory", "failed", "GPU 0 still holds 20480 MiB after 60 s"],
      [3, "rollback", "succeeded", "back to standard"],
    ]);

    for (const step of finished.steps) {
      expect(step.finishedAt).toBeInstanceOf(Date);
      expect(step.durationMs).toBe((step.finishedAt?.getTime() ?? 0) - step.startedAt.getTime());
    }
    expect(finished.steps[1]?.durationMs).toBeGreaterThanOrEqual(25); // slept 30 ms; timers may fire a little early
    expect(finished.durationMs).toBe((finished.finishedAt?.getTime() ?? 0) - finished.startedAt.getTime());
    const stepsTotal = finished.steps.reduce((sum, step) => sum + (step.durationMs ?? 0), 0);
    expect(finished.durationMs).toBeGreaterThanOrEqual(stepsTotal);

    expect(await getRunningModeSwitch(prisma)).toBeNull();
    expect(await getModeSwitch(created.id, prisma)).toEqual(finished);
  });

  test("a restart names its backend and why; steps come back in position order, not recording order", async () => {
    const restart = await createModeSwitch({ kind: "restart", backendId: "qwen-14b", requestedBy: "watchdog", reason: "container exited with code 137" }, prisma);
    for (const [position, name] of [[2, "wait_ready"], [0, "drain"], [1, "start_containers"]] as const) {
      await recordSucceededStep(restart.id, position, name);
    }
    await finishModeSwitch(restart.id, "succeeded", undefined, prisma);
    const read = await getModeSwitch(restart.id, prisma);
    expect(read).toMatchObject({ kind: "restart", backendId: "qwen-14b", requestedBy: "watchdog", reason: "container exited with code 137" });
    expect(read?.status).toBe("succeeded");
    expect(read?.steps.map((step) => step.name)).toEqual(["drain", "start_containers", "wait_ready"]);
  });

  test("unknown switches and steps are reported with a typed error; getModeSwitch returns null", async () => {
    await expect(startModeSwitchStep("no-such-switch", 0, "drain", null, prisma)).rejects.toBeInstanceOf(
      ModeSwitchNotFoundError,
    );
    await expect(finishModeSwitchStep(999_999, "succeeded", null, prisma)).rejects.toMatchObject({
      code: "mode_switch_not_found",
    });
    const finishing = finishModeSwitch("no-such-switch", "failed", "x", prisma);
    await expect(finishing).rejects.toBeInstanceOf(ModeSwitchNotFoundError);
    expect(await getModeSwitch("no-such-switch", prisma)).toBeNull();
  });

  test("deleting a switch deletes its steps", async () => {
    const created = await createModeSwitch({ kind: "restart", backendId: "qwen-7b", requestedBy: "api" }, prisma);
    await startModeSwitchStep(created.id, 0, "drain", null, prisma);
    await prisma.modeSwitch.delete({ where: { id: created.id } });
    expect(await prisma.modeSwitchStep.count()).toBe(0);
  });
});

describe("getLastModeSwitchEndedAt", () => {
  test("the newest end of a mode switch, whatever its outcome; restarts, running and interrupted switches do not count", async () => {
    expect(await getLastModeSwitchEndedAt(prisma)).toBeNull();
    const failed = await createModeSwitch({ kind: "mode_switch", toMode: "deep", requestedBy: "on_demand" }, prisma);
    const failedEnd = (await finishModeSwitch(failed.id, "rolled_back", "the 32B did not load", prisma)).finishedAt;
    await sleep(5);
    const restart = await createModeSwitch({ kind: "restart", backendId: "qwen-7b", requestedBy: "watchdog" }, prisma);
    await finishModeSwitch(restart.id, "succeeded", null, prisma);
    await createModeSwitch({ kind: "mode_switch", toMode: "standard", requestedBy: "api" }, prisma);
    expect(await getLastModeSwitchEndedAt(prisma)).toEqual(failedEnd);
    // The one still running is cut by a restart of Switchyard: it never ended.
    await markInterruptedModeSwitches(prisma);
    expect(await getLastModeSwitchEndedAt(prisma)).toEqual(failedEnd);
  });
});

describe("markInterruptedModeSwitches", () => {
  test("marks operations left running by a previous process interrupted, and their running steps failed", async () => {
    const done = await createModeSwitch({ kind: "mode_switch", toMode: "b", requestedBy: "api" }, prisma);
    await recordSucceededStep(done.id, 0, "drain");
    const doneBefore = await finishModeSwitch(done.id, "succeeded", null, prisma);

    const cut = await createModeSwitch({ kind: "mode_switch", toMode: "c", requestedBy: "console" }, prisma);
    await recordSucceededStep(cut.id, 0, "stop_admitting");
    await startModeSwitchStep(cut.id, 1, "drain", "5 requests in flight", prisma);

    const interrupted = await markInterruptedModeSwitches(prisma);
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0]).toMatchObject({ id: cut.id, status: "interrupted", error: INTERRUPTED_BY_RESTART });
    expect(interrupted[0]?.finishedAt).toBeNull();
    expect(interrupted[0]?.steps.map((step) => [step.name, step.status, step.detail])).toEqual([
      ["stop_admitting", "succeeded", null],
      ["drain", "failed", "interrupted by a restart of Switchyard"],
    ]);

    expect(await getModeSwitch(done.id, prisma)).toEqual(doneBefore);
    expect(await getRunningModeSwitch(prisma)).toBeNull();
    expect(await markInterruptedModeSwitches(prisma)).toEqual([]);
  });
});

describe("listModeSwitches", () => {
  const kinds = ["mode_switch", "restart", "restart"] as const;
  const backends = ["qwen-7b", "qwen-14b"];
  let all: ModeSwitchWithSteps[];

  beforeEach(async () => {
    all = [];
    for (let i = 0; i < 23; i++) {
      const kind = kinds[i % kinds.length] ?? "restart";
      const created = await createModeSwitch(
        {
          kind,
          requestedBy: "api",
          ...(kind === "restart" ? { backendId: backends[i % backends.length] } : { fromMode: "a", toMode: "b" }),
          // Pairs of operations share a start instant, so the id tie-break is exercised.
          startedAt: new Date(BASE + Math.floor(i / 2) * MINUTE),
        },
        prisma,
      );
      await startModeSwitchStep(created.id, 0, "drain", `step of #${i}`, prisma);
      all.push((await getModeSwitch(created.id, prisma)) as ModeSwitchWithSteps);
    }
  });

  const newestFirst = (a: ModeSwitchWithSteps, b: ModeSwitchWithSteps) =>
    b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

  async function listAll(params: Omit<ListModeSwitchesParams, "cursor">): Promise<ModeSwitchWithSteps[]> {
    const rows: ModeSwitchWithSteps[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page = await listModeSwitches({ ...params, cursor }, prisma);
      rows.push(...page.rows);
      if (page.nextCursor === null) return rows;
      expect(page.rows).toHaveLength(params.limit ?? 0);
      cursor = page.nextCursor;
    }
    throw new Error("pagination did not terminate");
  }

  test("pages through every operation once, newest first, each with its steps", async () => {
    const rows = await listAll({ limit: 4 });
    expect(rows.map((row) => row.id)).toEqual([...all].sort(newestFirst).map((row) => row.id));
    expect(rows.every((row) => row.steps.length === 1 && row.steps[0]?.name === "drain")).toBe(true);
  });

  test("filters by kind and by backend", async () => {
    const restarts = await listAll({ kind: "restart", limit: 5 });
    const expectedRestarts = all.filter((row) => row.kind === "restart").sort(newestFirst);
    expect(expectedRestarts.length).toBeGreaterThan(0);
    expect(restarts.map((row) => row.id)).toEqual(expectedRestarts.map((row) => row.id));

    const of14b = await listAll({ backendId: "qwen-14b", limit: 3 });
    const expected14b = all.filter((row) => row.backendId === "qwen-14b").sort(newestFirst);
    expect(expected14b.length).toBeGreaterThan(0);
    expect(of14b.map((row) => row.id)).toEqual(expected14b.map((row) => row.id));
  });

  test("a tampered cursor is refused with a typed error", async () => {
    await expect(listModeSwitches({ cursor: "garbage" }, prisma)).rejects.toBeInstanceOf(InvalidCursorError);
    const numericId = Buffer.from(JSON.stringify([new Date(BASE).toISOString(), 5])).toString("base64url");
    await expect(listModeSwitches({ cursor: numericId }, prisma)).rejects.toMatchObject({ code: "invalid_cursor" });
  });
});
