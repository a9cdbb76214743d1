import type { PrismaClient } from "@/lib/db/client";
import type { ModeSwitch, ModeSwitchStep, Prisma } from "@/lib/db/generated/prisma/client";
import { keysetPage, type Page } from "@/lib/db/queries/keyset-cursor";
import { BrandedError } from "@/lib/errors/branded-error";

// The history of lab operations (mode switches and backend restarts) with their visible steps. The lab
// controller writes a switch as it runs it: create -> (start step -> finish step)* -> finish. Only one
// operation runs at a time; that is the controller's lock, not a database constraint.

export type { ModeSwitch, ModeSwitchStep };

export type ModeSwitchKind = "mode_switch" | "restart";
export type ModeSwitchStatus = "running" | "succeeded" | "failed" | "rolled_back" | "interrupted";
/** How the controller ends an operation ("interrupted" is only set at start-up, by markInterruptedModeSwitches). */
export type ModeSwitchOutcome = Exclude<ModeSwitchStatus, "running" | "interrupted">;
export type ModeSwitchStepStatus = "running" | "succeeded" | "failed" | "skipped";
export type ModeSwitchStepOutcome = Exclude<ModeSwitchStepStatus, "running">;

/** The steps the controller records; other names are accepted (the `string & {}` keeps editor completion). */
export type ModeSwitchStepName =
  | "stop_admitting"
  | "drain"
  | "stop_containers"
  | "wait_gpu_memory"
  | "start_containers"
  | "wait_ready"
  | "switch_routing"
  | "rollback"
  | (string & {});

export type ModeSwitchRequester = "api" | "console" | "watchdog" | "startup" | "on_demand" | "idle_return" | (string & {});

export type ModeSwitchWithSteps = ModeSwitch & { steps: ModeSwitchStep[] };

export const INTERRUPTED_BY_RESTART = "interrupted by a restart of Switchyard";

export const MAX_MODE_SWITCH_PAGE_SIZE = 200;

export class ModeSwitchNotFoundError extends BrandedError {
  static override readonly brand = "switchyard.ModeSwitchNotFoundError";
  override readonly name = "ModeSwitchNotFoundError";
  readonly code = "mode_switch_not_found";
  constructor(what: string) {
    super(`${what} does not exist.`);
  }
}

const withOrderedSteps = { steps: { orderBy: [{ position: "asc" }, { id: "asc" }] } } satisfies Prisma.ModeSwitchInclude;

const elapsedMs = (from: Date, to: Date) => to.getTime() - from.getTime();

export type CreateModeSwitchInput = {
  /** The operation's id when the caller already named it (the lab controller does, to answer 202 at once). */
  id?: string;
  kind: ModeSwitchKind;
  requestedBy: ModeSwitchRequester;
  fromMode?: string | null;
  toMode?: string | null;
  /** The backend restarted (kind "restart"). */
  backendId?: string | null;
  /** Why it was started (the watchdog gives its reason). */
  reason?: string | null;
  /** What started an automatic operation (on-demand: the request; idle return: the idle time). */
  trigger?: string | null;
  /** Defaults to now. */
  startedAt?: Date;
};

/** Records a new operation as "running" and returns it (with its, so far empty, steps). */
export async function createModeSwitch(
  input: CreateModeSwitchInput,
  prisma: PrismaClient,
): Promise<ModeSwitchWithSteps> {
  return prisma.modeSwitch.create({
    data: {
      ...(input.id ? { id: input.id } : {}),
      kind: input.kind,
      requestedBy: input.requestedBy,
      fromMode: input.fromMode ?? null,
      toMode: input.toMode ?? null,
      backendId: input.backendId ?? null,
      reason: input.reason ?? null,
      trigger: input.trigger ?? null,
      status: "running",
      startedAt: input.startedAt ?? new Date(),
    },
    include: withOrderedSteps,
  });
}

/** Records a step as "running" from now; returns its id for finishModeSwitchStep. */
export async function startModeSwitchStep(
  switchId: string,
  position: number,
  name: ModeSwitchStepName,
  detail: string | null | undefined,
  prisma: PrismaClient,
): Promise<number> {
  const exists = await prisma.modeSwitch.findUnique({ where: { id: switchId }, select: { id: true } });
  if (!exists) throw new ModeSwitchNotFoundError(`Mode switch ${switchId}`);
  const step = await prisma.modeSwitchStep.create({
    data: { switchId, position, name, status: "running", detail: detail ?? null, startedAt: new Date() },
    select: { id: true },
  });
  return step.id;
}

/** Ends a step now, with its duration. `detail` replaces the step's detail when given, else it is kept. */
export async function finishModeSwitchStep(
  stepId: number,
  status: ModeSwitchStepOutcome,
  detail: string | null | undefined,
  prisma: PrismaClient,
): Promise<ModeSwitchStep> {
  const step = await prisma.modeSwitchStep.findUnique({ where: { id: stepId }, select: { startedAt: true } });
  if (!step) throw new ModeSwitchNotFoundError(`Mode-switch step ${stepId}`);
  const finishedAt = new Date();
  return prisma.modeSwitchStep.update({
    where: { id: stepId },
    data: {
      status,
      finishedAt,
      durationMs: elapsedMs(step.startedAt, finishedAt),
      ...(detail === undefined ? {} : { detail }),
    },
  });
}

/** Ends an operation now, with its duration and (for a failure or rollback) the error shown to the operator. */
export async function finishModeSwitch(
  id: string,
  status: ModeSwitchOutcome,
  error: string | null | undefined,
  prisma: PrismaClient,
): Promise<ModeSwitchWithSteps> {
  const existing = await prisma.modeSwitch.findUnique({ where: { id }, select: { startedAt: true } });
  if (!existing) throw new ModeSwitchNotFoundError(`Mode switch ${id}`);
  const finishedAt = new Date();
  return prisma.modeSwitch.update({
    where: { id },
    data: { status, error: error ?? null, finishedAt, durationMs: elapsedMs(existing.startedAt, finishedAt) },
    include: withOrderedSteps,
  });
}

/**
 * When the last mode switch ended (whatever its outcome or requester), or null: the on-demand thrash guard's memory
 * across restarts of Switchyard (lib/lab/on-demand.ts). Interrupted switches never ended and do not count.
 */
export async function getLastModeSwitchEndedAt(prisma: PrismaClient): Promise<Date | null> {
  const last = await prisma.modeSwitch.findFirst({
    where: { kind: "mode_switch", finishedAt: { not: null } },
    orderBy: { finishedAt: "desc" },
    select: { finishedAt: true },
  });
  return last?.finishedAt ?? null;
}

export async function getModeSwitch(id: string, prisma: PrismaClient): Promise<ModeSwitchWithSteps | null> {
  return prisma.modeSwitch.findUnique({ where: { id }, include: withOrderedSteps });
}

export type ListModeSwitchesParams = {
  kind?: ModeSwitchKind;
  backendId?: string;
  /** Only operations still running at or after this instant: finished then or later, or not finished. */
  activeSince?: Date;
  /** Only operations started strictly before this instant. */
  startedBefore?: Date;
  limit?: number;
  /** The nextCursor of the previous page; omit for the newest operations. */
  cursor?: string | null;
};

/** Newest first, keyset-paginated on (startedAt desc, id desc), each with its steps. */
export async function listModeSwitches(params: ListModeSwitchesParams = {}, prisma: PrismaClient): Promise<Page<ModeSwitchWithSteps>> {
  return keysetPage(pageKeys(params), switchFilters(params), (query) => prisma.modeSwitch.findMany({ ...query, include: withOrderedSteps }));
}

/** The same list without the steps: what a chart's markers need, a fraction of the bytes over a month. */
export async function listModeSwitchSummaries(params: ListModeSwitchesParams, prisma: PrismaClient): Promise<Page<ModeSwitch>> {
  return keysetPage(pageKeys(params), switchFilters(params), (query) => prisma.modeSwitch.findMany(query));
}

function switchFilters(params: ListModeSwitchesParams): Prisma.ModeSwitchWhereInput[] {
  const where: Prisma.ModeSwitchWhereInput[] = [];
  if (params.kind !== undefined) where.push({ kind: params.kind });
  if (params.backendId !== undefined) where.push({ backendId: params.backendId });
  if (params.activeSince !== undefined) where.push({ OR: [{ finishedAt: null }, { finishedAt: { gte: params.activeSince } }] });
  if (params.startedBefore !== undefined) where.push({ startedAt: { lt: params.startedBefore } });
  return where;
}

const pageKeys = (params: ListModeSwitchesParams) =>
  ({ at: "startedAt", idType: "string", cursor: params.cursor, limit: params.limit, maxLimit: MAX_MODE_SWITCH_PAGE_SIZE }) as const;

/** The operation in progress, if any (the newest, should a crash have left several). */
export async function getRunningModeSwitch(prisma: PrismaClient): Promise<ModeSwitchWithSteps | null> {
  return prisma.modeSwitch.findFirst({
    where: { status: "running" },
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    include: withOrderedSteps,
  });
}

/**
 * Operations still "running" were cut short by a restart of Switchyard: marks them "interrupted" and their
 * running steps "failed", and returns them (so start-up can log and reconcile). Call once at start-up, before
 * the lab controller starts anything. Their end time is unknown, so finishedAt and durationMs stay empty.
 */
export async function markInterruptedModeSwitches(prisma: PrismaClient): Promise<ModeSwitchWithSteps[]> {
  return prisma.$transaction(async (tx) => {
    const running = await tx.modeSwitch.findMany({ where: { status: "running" }, select: { id: true } });
    if (running.length === 0) return [];
    const ids = running.map((row) => row.id);
    await tx.modeSwitchStep.updateMany({
      where: { switchId: { in: ids }, status: "running" },
      data: { status: "failed", detail: INTERRUPTED_BY_RESTART },
    });
    await tx.modeSwitch.updateMany({
      where: { id: { in: ids } },
      data: { status: "interrupted", error: INTERRUPTED_BY_RESTART },
    });
    return tx.modeSwitch.findMany({
      where: { id: { in: ids } },
      orderBy: [{ startedAt: "desc" }, { id: "desc" }],
      include: withOrderedSteps,
    });
  });
}

/** How many restarts each backend has had, as recorded (ended or running; retention may have removed old ones). */
export async function countRestartsByBackend(prisma: PrismaClient): Promise<Map<string, number>> {
  const groups = await prisma.modeSwitch.groupBy({ by: ["backendId"], where: { kind: "restart", backendId: { not: null } }, _count: { _all: true } });
  return new Map(groups.map((group) => [group.backendId ?? "", group._count._all]));
}

/** Operations started at or after `since` (without their steps), newest first, at most `limit`. */
export async function listModeSwitchesStartedSince(since: Date, limit: number, prisma: PrismaClient): Promise<ModeSwitch[]> {
  return prisma.modeSwitch.findMany({ where: { startedAt: { gte: since } }, orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: limit });
}
