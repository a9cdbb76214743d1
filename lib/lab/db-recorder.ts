import type { PrismaClient } from "@/lib/db/client";
import { setLabStateValue } from "@/lib/db/queries/lab-state";
import { createModeSwitch, finishModeSwitch, finishModeSwitchStep, startModeSwitchStep } from "@/lib/db/queries/mode-switches";
import type { OperationRecorder } from "./controller";

/** Records lab operations in the ModeSwitch tables and the current mode in LabState. */
export function createDbOperationRecorder(prisma: PrismaClient): OperationRecorder {
  return {
    async create(op) {
      await createModeSwitch({ ...op }, prisma);
    },
    startStep: (opId, position, name) => startModeSwitchStep(opId, position, name, null, prisma),
    async finishStep(stepId, status, detail) {
      if (stepId !== null && status !== "running") await finishModeSwitchStep(stepId, status, detail, prisma);
    },
    async finish(opId, status, error) {
      if (status !== "running" && status !== "interrupted") await finishModeSwitch(opId, status, error, prisma);
    },
    saveMode: (mode) => setLabStateValue("mode", mode, prisma),
  };
}
