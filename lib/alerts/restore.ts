import type { Alert } from "./alert";
import { ALERT_KINDS, ALERT_SEVERITIES, type AlertKind, type AlertSeverity } from "./config";
import { RESOLVABLE_KINDS } from "./open-alerts";

/**
 * What the alerts carry over a restart of Switchyard, read back from the AlertDelivery rows (pure: rows in, state
 * out): the alerts whose condition had not ended (so their end is still sent once) and when each kind and subject
 * last fired (so the cool-down runs on rather than starting over).
 */

/** How far back an open alert is restored: a condition older than a day without its end is history, not news. */
export const OPEN_ALERT_HORIZON_MS = 24 * 60 * 60 * 1000;
/** Rows read at start: alerts are rare, but a webhook down for a day leaves many rows per alert. */
export const RESTORE_ROW_LIMIT = 5_000;

/** The fields of an AlertDelivery row that the restore reads. */
export interface DeliveryRecord {
  at: Date;
  alertId: string;
  kind: string;
  severity: string;
  resolved: boolean;
  subject: string | null;
  backendId: string | null;
  title: string;
  message: string;
}

export interface RestoredAlertState {
  /** Firing alerts of the kinds that end, without a later resolved notice of the same kind and subject. */
  open: Alert[];
  /** The last firing alert per `kind:subject` key (the cool-down's key), when it went out. */
  lastFired: { key: string; atMs: number }[];
}

/** The page of the console each resolvable kind links to (as rules.ts builds its alerts). */
const PATH_OF: Partial<Record<AlertKind, string>> = { backend_crashed: "/backends", error_rate: "/requests?status=5xx", gpu_temperature: "/gpus" };

/**
 * The subject of a row: its own, or for rows older than the column what the rules would have used (a crash's
 * backend, the gateway's error rate, the GPU named in the title); null when it cannot be told.
 */
export function subjectOf(row: Pick<DeliveryRecord, "subject" | "kind" | "backendId" | "title">): string | null {
  if (row.subject) return row.subject;
  if (row.kind === "error_rate") return "gateway";
  if (row.kind === "gpu_temperature") {
    const gpu = /^GPU (\d+) /.exec(row.title);
    return gpu ? `gpu${gpu[1]}` : null;
  }
  return row.backendId;
}

/**
 * One alert per alert id (its rows are its attempts, one per webhook and try; the earliest is when it went out),
 * then per kind and subject the newest: open if it is a firing alert of a kind that ends, within `horizonMs`.
 */
export function restoreFromDeliveries(rows: readonly DeliveryRecord[], nowMs: number, consoleUrl: string | undefined, horizonMs = OPEN_ALERT_HORIZON_MS): RestoredAlertState {
  const alerts = new Map<string, DeliveryRecord>();
  for (const row of rows) {
    const seen = alerts.get(row.alertId);
    if (!seen || row.at < seen.at) alerts.set(row.alertId, row);
  }
  const newestPerKey = new Map<string, DeliveryRecord>();
  const lastFired = new Map<string, number>();
  for (const alert of alerts.values()) {
    const subject = subjectOf(alert);
    if (subject === null || alert.kind === "test" || !(ALERT_KINDS as readonly string[]).includes(alert.kind)) continue;
    const key = `${alert.kind}:${subject}`;
    const newest = newestPerKey.get(key);
    // At the same instant a resolved notice is the later one: it can only follow its alert.
    if (!newest || alert.at > newest.at || (alert.at.getTime() === newest.at.getTime() && alert.resolved)) newestPerKey.set(key, alert);
    if (!alert.resolved && alert.at.getTime() > (lastFired.get(key) ?? -Infinity)) lastFired.set(key, alert.at.getTime());
  }
  const open: Alert[] = [];
  for (const alert of newestPerKey.values()) {
    const kind = alert.kind as AlertKind;
    if (alert.resolved || !RESOLVABLE_KINDS.has(kind) || nowMs - alert.at.getTime() > horizonMs) continue;
    const path = PATH_OF[kind]!;
    open.push({
      id: alert.alertId,
      kind,
      // The column is free text: a value no version wrote reads as an error.
      severity: (ALERT_SEVERITIES as readonly string[]).includes(alert.severity) ? (alert.severity as AlertSeverity) : "error",
      status: "firing",
      title: alert.title,
      message: alert.message,
      backend: alert.backendId,
      subject: subjectOf(alert)!,
      at: alert.at,
      link: consoleUrl ? new URL(path, consoleUrl).toString() : null,
    });
  }
  return { open, lastFired: [...lastFired].map(([key, atMs]) => ({ key, atMs })) };
}
