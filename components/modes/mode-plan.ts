import type { LabStatus } from "@/components/hooks/api-types";

export interface ModeSwitchPlan {
  leaving: string[];
  entering: string[];
  staying: string[];
  gpus: number[];
}

/** What activating `target` will do, for the confirmation: which backends stop, which start, on which GPUs. */
export function planModeSwitch(status: Pick<LabStatus, "mode" | "modes" | "backends">, target: string): ModeSwitchPlan {
  const backendsOf = (mode: string) => status.modes.find((m) => m.name === mode)?.backends ?? [];
  const from = backendsOf(status.mode);
  const to = backendsOf(target);
  const entering = to.filter((id) => !from.includes(id));
  const gpus = [...new Set(entering.flatMap((id) => status.backends.find((b) => b.id === id)?.gpus ?? []))].sort((a, b) => a - b);
  return { leaving: from.filter((id) => !to.includes(id)), entering, staying: to.filter((id) => from.includes(id)), gpus };
}
