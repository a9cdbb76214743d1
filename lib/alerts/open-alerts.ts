import { randomUUID } from "node:crypto";
import type { Alert, AlertDraft } from "./alert";
import type { AlertKind } from "./config";

/** The kinds whose condition has an end: a crashed backend ready again, the error rate or a GPU back under its threshold. */
export const RESOLVABLE_KINDS: ReadonlySet<AlertKind> = new Set(["backend_crashed", "error_rate", "gpu_temperature"]);

/**
 * The alerts whose condition has not ended, per kind and subject. A rule that sees a condition end says so each
 * time it does; this turns that into one "resolved" notice per alert that actually went out: none for an alert the
 * cool-down held back, none a second time. Pure (no clock, no I/O), so the state machine is unit-tested.
 */
export class OpenAlerts {
  private readonly open = new Map<string, Alert>();
  /** The keys of alerts restored at start that have neither ended nor fired again since. */
  private readonly restoredKeys = new Set<string>();

  /** A firing alert went out: its condition stays open until it is resolved (one-off kinds have nothing to end). */
  fired(alert: Alert): void {
    if (alert.status !== "firing" || !RESOLVABLE_KINDS.has(alert.kind)) return;
    this.open.set(keyOf(alert), alert);
    this.restoredKeys.delete(keyOf(alert));
  }

  /** At start: an alert that went out before Switchyard restarted and whose end was never sent. */
  restore(alert: Alert): void {
    if (alert.status !== "firing" || !RESOLVABLE_KINDS.has(alert.kind) || this.open.has(keyOf(alert))) return;
    this.open.set(keyOf(alert), alert);
    this.restoredKeys.add(keyOf(alert));
  }

  /** The restored alerts still open: what the service re-judges against the lab as it is now. */
  restored(): Alert[] {
    return [...this.restoredKeys].map((key) => this.open.get(key)!);
  }

  /**
   * The condition of `draft` (a resolved draft) ended: the resolved notice of the open alert, which keeps that alert's
   * kind, severity, backend and link; null when no alert of that kind and subject is open.
   */
  resolve(draft: AlertDraft, at: Date): Alert | null {
    const key = keyOf(draft);
    const firing = this.open.get(key);
    if (!firing) return null;
    this.open.delete(key);
    this.restoredKeys.delete(key);
    return { ...firing, id: randomUUID(), status: "resolved", title: draft.title, message: draft.message, at };
  }

  get size(): number {
    return this.open.size;
  }
}

const keyOf = (alert: Pick<Alert, "kind" | "subject">) => `${alert.kind}:${alert.subject}`;
