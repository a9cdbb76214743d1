import type { PrismaClient } from "@/lib/db/client";
import { createAlertDelivery, listAlertDeliveriesSince } from "@/lib/db/queries/alert-deliveries";
import { getModeSwitch } from "@/lib/db/queries/mode-switches";
import { requestsAndErrorsPerMinute } from "@/lib/db/queries/request-rollups";
import type { EventBus, LabEventMap } from "@/lib/events/bus";
import { toAlert, type Alert, type AlertDraft } from "./alert";
import { severityRank, type AlertsConfig, type WebhookConfig } from "./config";
import { WebhookDispatcher, type DeliveryOutcome } from "./delivery";
import { OpenAlerts } from "./open-alerts";
import { OPEN_ALERT_HORIZON_MS, restoreFromDeliveries, RESTORE_ROW_LIMIT } from "./restore";
import { alertForLabEvent, alertForOperation, Cooldown, crashResolved, ErrorRateRule, GpuTemperatureRule, resolutionForLabEvent, resolutionForOperation, type FinishedOperation } from "./rules";

/** How often the error rate is judged without traffic: a window that empties of failures ends its alert. */
const ERROR_RATE_TICK_MS = 5_000;

export type AlertDeliveryEvent = LabEventMap["alert_delivery"];

export interface AlertServiceDeps {
  alerts: () => AlertsConfig;
  bus: EventBus;
  db: PrismaClient;
  /** The record of a finished lab operation (who asked, which backend): the bus announces only its id and outcome. */
  findOperation?: (id: string) => Promise<FinishedOperation | null>;
  now?: () => number;
  log?: (line: string) => void;
}

export interface TestResult {
  webhook: string;
  status: DeliveryOutcome["status"];
  httpStatus: number | null;
  error: string | null;
  durationMs: number | null;
}

export interface AlertService {
  /**
   * Raises an alert now (rules call this; so can tests): cool-down, then every webhook whose filter takes it. A
   * resolved draft skips the cool-down and goes out once, only if the alert it ends went out (else null).
   */
  raise(draft: AlertDraft): Alert | null;
  /** One attempt per webhook (one, or all when `webhook` is absent), answered with each result. Filters do not apply. */
  sendTest(webhook?: string): Promise<TestResult[]>;
  queued(): Record<string, number>;
  /**
   * At start, before the lab runs: the open alerts and the cool-down from the AlertDelivery rows, the error-rate
   * window from the request log's rollups (restore.ts). Never throws: a failed read is logged and starts afresh.
   */
  restore(): Promise<void>;
  /**
   * Where the service sees whether a backend is ready (after its health checks exist): a crash alert restored at start
   * ends when its backend is seen ready, as no health change to ready is announced for a backend ready from the start.
   */
  followHealth(isReady: (backendId: string) => boolean): void;
  /** Stops listening, aborts deliveries in flight and waits until their records are written. */
  stop(): Promise<void>;
}

/** Whether a webhook wants an alert: its kinds filter and its minimum severity. */
export function webhookAccepts(webhook: WebhookConfig, alert: Pick<Alert, "kind" | "severity">): boolean {
  if (webhook.kinds && !webhook.kinds.includes(alert.kind)) return false;
  return severityRank[alert.severity] >= severityRank[webhook.minSeverity];
}

/**
 * Alerts from what the lab already announces on the bus: lab events (crashes, the watchdog giving up), finished
 * operations (restarts, failed or rolled-back switches), finished requests (the error rate) and GPU samples (the
 * temperature). Listening and delivering never throw into the bus, and delivery never waits on the caller's path.
 */
export function createAlertService(deps: AlertServiceDeps): AlertService {
  const { alerts, bus, db } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((line: string) => console.log(line));
  const findOperation = deps.findOperation ?? ((id: string) => findFinishedOperation(id, db));
  const cooldown = new Cooldown(() => alerts().cooldownSeconds);
  const errorRate = new ErrorRateRule(() => alerts().errorRate);
  const gpuTemperature = new GpuTemperatureRule(() => alerts().gpuTemperature);
  const openAlerts = new OpenAlerts();
  const pendingWrites = new Set<Promise<void>>();

  const record = (outcome: DeliveryOutcome) => {
    const { alert } = outcome;
    const row = {
      at: outcome.at,
      alertId: alert.id,
      kind: alert.kind,
      severity: alert.severity,
      webhook: outcome.webhook,
      status: outcome.status,
      httpStatus: outcome.httpStatus,
      error: outcome.error,
      durationMs: outcome.durationMs,
      attempt: outcome.attempt,
      willRetry: outcome.willRetry,
      resolved: alert.status === "resolved",
      subject: alert.subject,
      backendId: alert.backend,
      title: alert.title,
      message: alert.message,
    };
    log(`[alerts] ${describeOutcome(outcome)}`);
    const { subject: _subject, ...announced } = row;
    const write = createAlertDelivery(row, db).then(
      (saved) => bus.publish("alert_delivery", { ...announced, id: saved.id, at: row.at.toISOString() }),
      (error: unknown) => {
        console.error("[alerts] could not record a delivery", error);
        bus.publish("alert_delivery", { ...announced, id: null, at: row.at.toISOString() });
      },
    );
    const tracked = write.finally(() => pendingWrites.delete(tracked));
    pendingWrites.add(tracked);
  };

  const dispatcher = new WebhookDispatcher({
    webhook: (name) => alerts().webhooks.find((webhook) => webhook.name === name),
    delivery: () => alerts().delivery,
    record,
    now,
  });

  const send = (alert: Alert) => {
    for (const webhook of alerts().webhooks) if (webhookAccepts(webhook, alert)) dispatcher.enqueue(webhook.name, alert);
  };

  const raise = (draft: AlertDraft): Alert | null => {
    if (draft.status === "resolved") {
      const resolved = openAlerts.resolve(draft, new Date(now()));
      if (resolved) send(resolved);
      return resolved;
    }
    const admitted = cooldown.admit(`${draft.kind}:${draft.subject}`, now());
    if (!admitted) return null;
    const message = admitted.suppressed > 0 ? `${draft.message} (${admitted.suppressed} more like it in the last cool-down were not sent.)` : draft.message;
    const alert = toAlert({ ...draft, message }, new Date(now()), alerts().consoleUrl);
    openAlerts.fired(alert);
    send(alert);
    return alert;
  };

  // The event's outcome is the controller's own; the record adds who asked and which backend or modes.
  const onOperationDone = async (done: LabEventMap["operation_done"]) => {
    const operation = await findOperation(done.operationId);
    const finished: FinishedOperation = {
      ...(operation ?? { id: done.operationId, kind: done.kind, backendId: null, requestedBy: "unknown", fromMode: null, toMode: null }),
      status: done.status,
      error: done.error,
    };
    for (const draft of [alertForOperation(finished), resolutionForOperation(finished)]) if (draft) raise(draft);
  };

  // A crash alert from before the restart ends when its backend is seen ready (at a health change and every tick).
  let isReady: ((backendId: string) => boolean) | null = null;
  const resolveRestoredCrashes = () => {
    if (!isReady) return;
    for (const alert of openAlerts.restored()) {
      if (alert.kind === "backend_crashed" && alert.backend && isReady(alert.backend)) raise(crashResolved(alert.backend, "seen ready after Switchyard restarted"));
    }
  };

  const unsubscribe = bus.subscribe((event) => {
    switch (event.type) {
      case "status":
        resolveRestoredCrashes();
        return;
      case "lab_event": {
        const draft = alertForLabEvent(event.data) ?? resolutionForLabEvent(event.data);
        if (draft) raise(draft);
        return;
      }
      case "operation_done":
        if (event.data.status === "succeeded" && event.data.kind === "mode_switch") return;
        void onOperationDone(event.data).catch((error: unknown) => console.error("[alerts] could not read a finished operation", error));
        return;
      case "request": {
        const draft = errorRate.observe(event.data, now());
        if (draft) raise(draft);
        return;
      }
      case "gpu_samples":
        for (const draft of gpuTemperature.observe(event.data.samples)) raise(draft);
        return;
      default:
        return;
    }
  });

  const errorRateTick = setInterval(() => {
    const draft = errorRate.evaluate(now());
    if (draft) raise(draft);
    resolveRestoredCrashes();
  }, ERROR_RATE_TICK_MS);
  errorRateTick.unref();

  return {
    raise,
    async sendTest(name) {
      const webhooks = alerts().webhooks.filter((webhook) => name === undefined || webhook.name === name);
      const alert = toAlert(
        {
          kind: "test",
          severity: "info",
          title: "Test message from Switchyard",
          message: "This is a test alert sent from the Switchyard console: this webhook receives the lab's alerts.",
          backend: null,
          subject: "test",
          path: "/alerts",
        },
        new Date(now()),
        alerts().consoleUrl,
      );
      const outcomes = await Promise.all(webhooks.map((webhook) => dispatcher.sendNow(webhook, alert)));
      return outcomes.map(({ webhook, status, httpStatus, error, durationMs }) => ({ webhook, status, httpStatus, error, durationMs }));
    },
    queued: () => dispatcher.queued(),
    async restore() {
      const at = now();
      try {
        const config = alerts();
        const since = new Date(at - Math.max(OPEN_ALERT_HORIZON_MS, config.cooldownSeconds * 1000));
        const [rows, minutes] = await Promise.all([
          listAlertDeliveriesSince(since, RESTORE_ROW_LIMIT, db),
          requestsAndErrorsPerMinute(new Date(at - config.errorRate.windowMinutes * 60_000), db),
        ]);
        const restored = restoreFromDeliveries(rows, at, config.consoleUrl);
        for (const { key, atMs } of restored.lastFired) cooldown.seed(key, atMs);
        for (const alert of restored.open) {
          openAlerts.restore(alert);
          const gpu = /^gpu(\d+)$/.exec(alert.subject);
          if (alert.kind === "gpu_temperature" && gpu) gpuTemperature.seedFiring(Number(gpu[1]));
        }
        const errorRateOpen = restored.open.some((alert) => alert.kind === "error_rate");
        errorRate.seed(minutes.map((minute) => ({ minuteMs: minute.minute.getTime(), total: minute.requests, failed: minute.failed })), at, errorRateOpen);
        if (restored.open.length > 0) log(`[alerts] restored ${restored.open.length} open alert(s): ${restored.open.map((alert) => `${alert.kind} ${alert.subject}`).join(", ")}`);
      } catch (error) {
        console.error("[alerts] could not restore the alerts' state; starting afresh", error);
      }
    },
    followHealth(ready) {
      isReady = ready;
      resolveRestoredCrashes();
    },
    async stop() {
      unsubscribe();
      clearInterval(errorRateTick);
      await dispatcher.stop();
      await Promise.all([...pendingWrites]);
    },
  };
}

/** One log line per attempt: the webhook's name, never its URL or headers. */
function describeOutcome(outcome: DeliveryOutcome): string {
  const facts = outcome.attempt > 0 ? [`attempt ${outcome.attempt}`, ...(outcome.httpStatus ? [`HTTP ${outcome.httpStatus}`] : []), `${outcome.durationMs} ms`] : [];
  return `${outcome.webhook}: ${outcome.alert.kind}${outcome.alert.status === "resolved" ? " (resolved)" : ""} ${outcome.status}${facts.length > 0 ? ` (${facts.join(", ")})` : ""}${outcome.error ? `: ${outcome.error}` : ""}`;
}

async function findFinishedOperation(id: string, db: PrismaClient): Promise<FinishedOperation | null> {
  const row = await getModeSwitch(id, db);
  if (!row) return null;
  return { id: row.id, kind: row.kind as FinishedOperation["kind"], status: row.status, error: row.error, backendId: row.backendId, requestedBy: row.requestedBy, fromMode: row.fromMode, toMode: row.toMode };
}
