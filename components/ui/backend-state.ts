import type { BackendState, BackendStatus } from "@/components/hooks/api-types";

/**
 * What a backend's state badge says: its state, "not in this mode" when it is merely stopped outside the current
 * mode, "asleep (level N)" when its engine sleeps on purpose (calm, not "down").
 */
export function backendStateBadge(backend: Pick<BackendStatus, "state" | "inCurrentMode" | "asleep">): { state: BackendState | "not in this mode"; label: string } {
  if (backend.state === "asleep") return { state: "asleep", label: backend.asleep ? `asleep (level ${backend.asleep.level})` : "asleep" };
  const state = backend.inCurrentMode || backend.state !== "stopped" ? backend.state : "not in this mode";
  return { state, label: state };
}
