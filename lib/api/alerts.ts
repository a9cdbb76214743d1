import { z } from "zod";
import { alertSettingsView, webhookView, type WebhookView } from "@/lib/alerts/view";
import type { TestResult } from "@/lib/alerts/service";
import { listAlertDeliveries, type AlertDelivery } from "@/lib/db/queries/alert-deliveries";
import type { Page } from "@/lib/db/queries/keyset-cursor";
import { ApiError } from "./envelope";
import { apiRoute } from "./route";

export type { TestResult as AlertTestResult, WebhookView };

/** An AlertDelivery row as JSON. */
export type AlertDeliveryJson = Omit<AlertDelivery, "at" | "severity" | "status"> & {
  at: string;
  severity: "info" | "warning" | "error";
  status: "delivered" | "failed" | "dropped";
};

/** GET /api/alerts: the webhooks (secrets masked), the thresholds, alerts waiting per webhook, and a page of deliveries. */
export interface AlertsView {
  webhooks: (WebhookView & { queued: number })[];
  settings: ReturnType<typeof alertSettingsView>;
  deliveries: Page<AlertDeliveryJson>;
}

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
  webhook: z.string().min(1).optional(),
  status: z.enum(["delivered", "failed", "dropped"]).optional(),
});

const noStore = { "cache-control": "no-store" };

export const getAlerts = apiRoute({ query: listQuery, headers: noStore }, async ({ switchyard, query }): Promise<AlertsView> => {
  const alerts = switchyard.config().alerts;
  const queued = switchyard.alerts.queued();
  const page = await listAlertDeliveries(query, switchyard.db);
  return {
    webhooks: alerts.webhooks.map((webhook) => ({ ...webhookView(webhook), queued: queued[webhook.name] ?? 0 })),
    settings: alertSettingsView(alerts),
    deliveries: { rows: page.rows.map(toJson), nextCursor: page.nextCursor },
  };
});

const testBody = z.object({ webhook: z.string().min(1).optional() }).strict();

/** POST /api/alerts/test: one test message to the named webhook (or to each), answered with each delivery's result. */
export const sendTestAlert = apiRoute({ body: testBody, headers: noStore }, async ({ switchyard, body }): Promise<{ results: TestResult[] }> => {
  const webhooks = switchyard.config().alerts.webhooks;
  if (webhooks.length === 0) throw new ApiError("bad_request", "No webhook is configured: add one under alerts.webhooks in the config file.");
  if (body.webhook !== undefined && !webhooks.some((webhook) => webhook.name === body.webhook)) {
    throw new ApiError("not_found", `no webhook named "${body.webhook}" (webhooks: ${webhooks.map((webhook) => webhook.name).join(", ")})`);
  }
  return { results: await switchyard.alerts.sendTest(body.webhook) };
});

function toJson(row: AlertDelivery): AlertDeliveryJson {
  return { ...row, at: row.at.toISOString(), severity: row.severity as AlertDeliveryJson["severity"], status: row.status as AlertDeliveryJson["status"] };
}
