import type { PrismaClient } from "@/lib/db/client";
import type { LabEvent, Prisma } from "@/lib/db/generated/prisma/client";
import { deleteOlderThan, retentionCutoff } from "@/lib/db/queries/delete-older-than";
import { keysetPage, type Page } from "@/lib/db/queries/keyset-cursor";

// The lab's event log: what happened to backends and the lab (watchdog restarts, health changes, container
// exits, OOMs, mode switches, config reloads), for the console's timeline and for post-mortems.

export type { LabEvent };

export type LabEventSeverity = "info" | "warning" | "error";

/** The kinds Switchyard records; other kinds are accepted (the `string & {}` keeps editor completion). */
export type LabEventKind =
  | "watchdog_restart"
  | "health_change"
  | "container_exit"
  | "oom"
  | "mode_switch"
  | "restart"
  | "config_reload"
  | "telemetry"
  | (string & {});

export const MAX_LAB_EVENT_PAGE_SIZE = 500;

export type CreateLabEventInput = {
  kind: LabEventKind;
  severity: LabEventSeverity;
  message: string;
  backendId?: string | null;
  /** Kind-specific facts (exit code, probe error, ...), stored as JSON text. */
  detail?: Record<string, unknown> | null;
  /** Defaults to now. */
  at?: Date;
};

export async function createLabEvent(input: CreateLabEventInput, prisma: PrismaClient): Promise<LabEvent> {
  return prisma.labEvent.create({
    data: {
      at: input.at ?? new Date(),
      kind: input.kind,
      severity: input.severity,
      backendId: input.backendId ?? null,
      message: input.message,
      detail: input.detail == null ? null : JSON.stringify(input.detail),
    },
  });
}

export type ListLabEventsParams = {
  backendId?: string;
  kind?: LabEventKind | LabEventKind[];
  severity?: LabEventSeverity | LabEventSeverity[];
  /** Only events at or after this instant. */
  since?: Date;
  /** Only events strictly before this instant. */
  before?: Date;
  limit?: number;
  /** The nextCursor of the previous page; omit for the newest events. */
  cursor?: string | null;
};

const oneOrMany = <T>(value: T | T[]) => (Array.isArray(value) ? { in: value } : value);

/** Newest first, keyset-paginated on (at desc, id desc). */
export async function listLabEvents(
  params: ListLabEventsParams = {},
  prisma: PrismaClient,
): Promise<Page<LabEvent>> {
  const where: Prisma.LabEventWhereInput[] = [];
  if (params.backendId !== undefined) where.push({ backendId: params.backendId });
  if (params.kind !== undefined) where.push({ kind: oneOrMany<string>(params.kind) });
  if (params.severity !== undefined) where.push({ severity: oneOrMany<string>(params.severity) });
  if (params.since !== undefined) where.push({ at: { gte: params.since } });
  if (params.before !== undefined) where.push({ at: { lt: params.before } });
  const keys = { at: "at", idType: "number", cursor: params.cursor, limit: params.limit, maxLimit: MAX_LAB_EVENT_PAGE_SIZE } as const;
  return keysetPage(keys, where, (query) => prisma.labEvent.findMany(query));
}

export type LabEventRetention = {
  /** Events older than this are deleted. */
  maxAgeDays: number;
  /** Defaults to the current time; tests pin it. */
  now?: Date;
};

/** Deletes events older than the age limit; returns how many were deleted. */
export async function applyLabEventRetention(
  retention: LabEventRetention,
  prisma: PrismaClient,
): Promise<number> {
  return deleteOlderThan(prisma, "LabEvent", retentionCutoff(retention.maxAgeDays, retention.now));
}

/** Events at or after `since`, newest first, at most `limit`. */
export async function listLabEventsSince(since: Date, limit: number, prisma: PrismaClient): Promise<LabEvent[]> {
  return prisma.labEvent.findMany({ where: { at: { gte: since } }, orderBy: [{ at: "desc" }, { id: "desc" }], take: limit });
}
