import { randomUUID } from "node:crypto";
import type { AlertKind, AlertSeverity } from "./config";

/** `firing`: the condition began (or is a one-off); `resolved`: the notice that a firing alert's condition ended. */
export type AlertStatus = "firing" | "resolved";

/** One alert: what happened, how bad, to what, and where in the console it is explained. */
export interface Alert {
  id: string;
  kind: AlertKind;
  /** A resolved notice keeps its firing alert's kind and severity, so each webhook's filter sends it where that went. */
  severity: AlertSeverity;
  status: AlertStatus;
  title: string;
  message: string;
  /** The backend it concerns, if one. */
  backend: string | null;
  /** What the cool-down is kept per (with the kind): a backend id, `gpu0`, `gateway`, an operation. */
  subject: string;
  at: Date;
  /** A console page that explains it (absent without `alerts.consoleUrl`). */
  link: string | null;
}

/** What a rule produces; the service stamps the id, the time and the link. `status` is firing unless said. */
export type AlertDraft = Omit<Alert, "id" | "at" | "link" | "status"> & { path: string; status?: AlertStatus };

export function toAlert(draft: AlertDraft, at: Date, consoleUrl: string | undefined): Alert {
  const { path, status = "firing", ...rest } = draft;
  return { ...rest, status, id: randomUUID(), at, link: consoleUrl ? new URL(path, consoleUrl).toString() : null };
}
