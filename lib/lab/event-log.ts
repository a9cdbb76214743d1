import type { PrismaClient } from "@/lib/db/client";
import { createLabEvent, type CreateLabEventInput } from "@/lib/db/queries/lab-events";
import type { EventBus } from "@/lib/events/bus";

export type LabEventInput = CreateLabEventInput;

/** Records a lab event in the database and announces it live; a database failure is logged, never thrown. */
export function createLabEventLog(prisma: PrismaClient, bus: EventBus) {
  return (input: LabEventInput): void => {
    const at = input.at ?? new Date();
    console.log(`[lab] ${input.severity}: ${input.message}`);
    createLabEvent({ ...input, at }, prisma).then(
      (row) => bus.publish("lab_event", { id: row.id, at: at.toISOString(), kind: row.kind, severity: input.severity, backendId: row.backendId, message: row.message }),
      (error: unknown) => {
        console.error("[lab] could not record a lab event", error);
        bus.publish("lab_event", { id: null, at: at.toISOString(), kind: input.kind, severity: input.severity, backendId: input.backendId ?? null, message: input.message });
      },
    );
  };
}

export type LabEventLog = ReturnType<typeof createLabEventLog>;
