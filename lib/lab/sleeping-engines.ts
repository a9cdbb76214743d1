import type { SleepLevel } from "./engine-sleep";

export interface SleepingEngine {
  level: SleepLevel;
  /** Epoch ms when the engine was verified asleep. */
  since: number;
}

/**
 * The engines the lab put to sleep on purpose (and verified asleep), by backend id. The controller owns it: an
 * entry is added when a sleep is verified and removed when the engine is woken, stopped or found not running.
 * It is what /api/status, /metrics and the console show as "asleep", and what the memory check may stop when
 * a sleeping engine's residue keeps a GPU from being free.
 */
export class SleepingEngines {
  private readonly engines = new Map<string, SleepingEngine>();

  set(backendId: string, level: SleepLevel, since: number): void {
    this.engines.set(backendId, { level, since });
  }

  delete(backendId: string): void {
    this.engines.delete(backendId);
  }

  get(backendId: string): SleepingEngine | null {
    return this.engines.get(backendId) ?? null;
  }

  has(backendId: string): boolean {
    return this.engines.has(backendId);
  }
}
