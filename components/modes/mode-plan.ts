import type { LabStatus } from "@/components/hooks/api-types";
import { roughDuration } from "@/components/operations/operation-view";

export interface ModeSwitchPlan {
  /** Leaving backends that are stopped. */
  leaving: string[];
  /** Leaving backends that declare `sleep`: put to sleep instead (their weights stay in host RAM). */
  sleeping: string[];
  entering: string[];
  staying: string[];
  gpus: number[];
  /** "usually 41 s (3 switches)" from recorded switches, "about 25 s (nothing recorded yet)" before any; null if unknown. */
  duration: string | null;
}

/** What activating `target` will do, for the confirmation: which backends stop or sleep, which start, on which GPUs, and for how long. */
export function planModeSwitch(status: Pick<LabStatus, "mode" | "modes" | "backends">, target: string): ModeSwitchPlan {
  const backendsOf = (mode: string) => status.modes.find((m) => m.name === mode)?.backends ?? [];
  const from = backendsOf(status.mode);
  const to = backendsOf(target);
  const entering = to.filter((id) => !from.includes(id));
  const gpus = [...new Set(entering.flatMap((id) => status.backends.find((b) => b.id === id)?.gpus ?? []))].sort((a, b) => a - b);
  const leaving = from.filter((id) => !to.includes(id));
  const sleeps = (id: string) => (status.backends.find((b) => b.id === id)?.sleepLevel ?? null) !== null;
  const estimate = status.modes.find((m) => m.name === target)?.switchEstimate ?? null;
  const duration = !estimate
    ? null
    : estimate.basis === "history"
      ? `usually ${roughDuration(estimate.expectedMs)} (${estimate.samples} switch${estimate.samples === 1 ? "" : "es"})`
      : `about ${roughDuration(estimate.expectedMs)} (nothing recorded yet)`;
  return { leaving: leaving.filter((id) => !sleeps(id)), sleeping: leaving.filter(sleeps), entering, staying: to.filter((id) => from.includes(id)), gpus, duration };
}
