import type { LabEventMap } from "@/components/hooks/api-types";
import { queryKeys } from "@/components/hooks/query-keys";

/**
 * Which cached queries each live event makes stale, and how soon to refetch them. The console does not poll: it
 * refetches what an event says has changed, coalescing bursts (a mode switch sends a dozen events in a second).
 */

export type LabStreamEventName = keyof LabEventMap;

export interface Invalidation {
  key: readonly unknown[];
  /** Refetch no later than this after the first event of a burst. */
  delayMs: number;
}

const SOON = 150;
const CALM = 1_000;
const LAZY = 2_500;

export function invalidationsFor(type: LabStreamEventName): Invalidation[] {
  switch (type) {
    case "status":
      return [
        { key: queryKeys.status(), delayMs: SOON },
        { key: queryKeys.verdict(), delayMs: SOON },
      ];
    case "operation_step":
      return [
        { key: queryKeys.status(), delayMs: SOON },
        { key: queryKeys.switches.all(), delayMs: SOON },
        { key: queryKeys.verdict(), delayMs: SOON },
      ];
    case "operation_done":
      return [
        { key: queryKeys.status(), delayMs: SOON },
        { key: queryKeys.switches.all(), delayMs: SOON },
        { key: queryKeys.routes(), delayMs: CALM },
        { key: queryKeys.labEvents.all(), delayMs: CALM },
        { key: queryKeys.backends.all(), delayMs: CALM },
        { key: queryKeys.playgroundModels(), delayMs: CALM },
        { key: queryKeys.verdict(), delayMs: SOON },
      ];
    case "lab_event":
      // A crash or a failed watchdog restart is a problem the verdict lists at once.
      return [
        { key: queryKeys.labEvents.all(), delayMs: CALM },
        { key: queryKeys.verdict(), delayMs: SOON },
      ];
    case "request":
      // In-flight counts live in the status; the overview's rates in the usage rollups. The request table decides
      // for itself (it may be paged back and must not jump).
      return [
        { key: queryKeys.status(), delayMs: LAZY },
        { key: queryKeys.usageAll(), delayMs: CALM },
        { key: queryKeys.verdict(), delayMs: CALM },
      ];
    case "alert_delivery":
      return [{ key: queryKeys.alerts(), delayMs: SOON }];
    case "audit":
      return [{ key: queryKeys.audit.all(), delayMs: SOON }];
    case "gpu_samples":
    case "backend_sample":
      // Applied to the cached status directly: no refetch.
      return [];
  }
}

type TimerApi = { set: (fn: () => void, ms: number) => unknown; clear: (timer: unknown) => void };

const defaultTimers: TimerApi = { set: (fn, ms) => setTimeout(fn, ms), clear: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>) };

/**
 * Coalesces invalidations per key: the first request for a key starts its timer; later ones within the delay
 * join it (never postponing it), so a steady stream of events still refreshes at a steady pace.
 */
export function createInvalidationScheduler(invalidate: (key: readonly unknown[]) => void, timers: TimerApi = defaultTimers) {
  const pending = new Map<string, { timer: unknown; dueAt: number }>();
  const now = () => Date.now();
  return {
    schedule({ key, delayMs }: Invalidation): void {
      const id = JSON.stringify(key);
      const dueAt = now() + delayMs;
      const existing = pending.get(id);
      if (existing && existing.dueAt <= dueAt) return;
      if (existing) timers.clear(existing.timer);
      const timer = timers.set(() => {
        pending.delete(id);
        invalidate(key);
      }, delayMs);
      pending.set(id, { timer, dueAt });
    },
    dispose(): void {
      for (const { timer } of pending.values()) timers.clear(timer);
      pending.clear();
    },
  };
}
