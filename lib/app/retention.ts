import type { LabConfig } from "@/lib/config/schema";
import type { PrismaClient } from "@/lib/db/client";
import { applyAlertDeliveryRetention } from "@/lib/db/queries/alert-deliveries";
import { applyAuditEntryRetention } from "@/lib/db/queries/audit-entries";
import { applyLabEventRetention } from "@/lib/db/queries/lab-events";
import { applySampleRetention } from "@/lib/db/queries/samples";
import type { RequestLogReader } from "@/lib/db/request-log/reader";

const HOUR_MS = 60 * 60 * 1000;
/** Lab events are few and explain old incidents: they are kept at least this long. */
const LAB_EVENT_MIN_DAYS = 90;

/** One pass over every table that grows without bound, by the limits of the current config. */
export async function applyRetention(config: LabConfig, prisma: PrismaClient, requestLog: RequestLogReader): Promise<void> {
  const { retentionDays, retentionRows, bodyRetentionDays, rollupRetentionDays } = config.requestLog;
  await Promise.all([
    // On the reader worker, in small chunks: the request log is the one table that can hold millions of rows.
    requestLog.call("retention", { maxAgeDays: retentionDays, maxRows: retentionRows, bodyDays: bodyRetentionDays, rollupDays: rollupRetentionDays, now: new Date() }),
    applySampleRetention({ maxAgeDays: config.telemetry.retentionDays }, prisma),
    applyLabEventRetention({ maxAgeDays: Math.max(retentionDays, LAB_EVENT_MIN_DAYS) }, prisma),
    applyAlertDeliveryRetention({ maxAgeDays: config.alerts.retentionDays }, prisma),
    applyAuditEntryRetention({ maxAgeDays: config.audit.retentionDays }, prisma),
  ]);
}

/** Retention now (a database left to grow while Switchyard was down is trimmed at start) and then hourly. */
export function startRetention(config: () => LabConfig, prisma: PrismaClient, requestLog: RequestLogReader, intervalMs = HOUR_MS): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    running = running.then(() => applyRetention(config(), prisma, requestLog)).catch((error: unknown) => console.error("[switchyard] retention failed", error));
  };
  pass();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
