import type { LabStatus } from "@/components/hooks/api-types";

/** Which of the lab's numbers are invented by the simulator: GPU telemetry (and energy), and the engines' metrics. */
export function simulationOf(status: Pick<LabStatus, "gpuTelemetry" | "runtime"> | undefined): { gpus: boolean; engines: boolean } {
  return { gpus: status?.gpuTelemetry.source === "simulated", engines: status?.runtime.kind === "simulated" };
}
