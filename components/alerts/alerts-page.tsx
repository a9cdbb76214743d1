"use client";

import { useState } from "react";
import { useTestAlertMutation } from "@/components/hooks/mutations/use-test-alert-mutation";
import { useAlertsQuery } from "@/components/hooks/queries/use-alerts-query";
import type { AlertsView, AlertTestResult, WebhookView } from "@/components/hooks/api-types";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { DeliveriesTable } from "./deliveries-table";
import { testResultText } from "./delivery-text";

/** Alerts: where they go (the config's webhooks), a test message per webhook, and every delivery, live. */
const PAGE = 50;
const MOST = 200;

export function AlertsPage() {
  // The newest deliveries, growing by a page on demand (the API's page size caps it; older ones stay in the API's pages).
  const [limit, setLimit] = useState(PAGE);
  const alerts = useAlertsQuery(limit);
  return (
    <>
      <div className="page-header">
        <h1>Alerts</h1>
        <span className="muted small">
          Webhooks and thresholds live in the <code>alerts:</code> section of the config file.
        </span>
      </div>
      {alerts.isPending ? <Loading label="Loading the alert settings…" /> : null}
      {alerts.error ? <ErrorState title="Cannot read the alerts" error={alerts.error} onRetry={() => void alerts.refetch()} /> : null}
      {alerts.data ? (
        <>
          <section className="panel" aria-labelledby="webhooks-heading">
            <h2 id="webhooks-heading">Webhooks</h2>
            {alerts.data.webhooks.length === 0 ? (
              <Empty>
                No webhook is configured. Add one under <code>alerts.webhooks</code> (formats <code>json</code>, <code>discord</code>, <code>ntfy</code>).
              </Empty>
            ) : (
              <WebhooksTable webhooks={alerts.data.webhooks} />
            )}
          </section>
          <section className="panel" aria-labelledby="thresholds-heading">
            <h2 id="thresholds-heading">When the lab alerts</h2>
            <Thresholds settings={alerts.data.settings} />
          </section>
          <section className="panel" aria-labelledby="deliveries-heading">
            <h2 id="deliveries-heading">Recent deliveries</h2>
            {alerts.data.deliveries.rows.length === 0 ? <Empty>Nothing sent yet.</Empty> : <DeliveriesTable rows={alerts.data.deliveries.rows} />}
            {alerts.data.deliveries.nextCursor && limit < MOST ? (
              <button type="button" onClick={() => setLimit((current) => Math.min(current + PAGE, MOST))} style={{ marginTop: 8 }}>
                Show older deliveries
              </button>
            ) : null}
          </section>
        </>
      ) : null}
    </>
  );
}

function WebhooksTable({ webhooks }: { webhooks: AlertsView["webhooks"] }) {
  return (
    <div className="table-wrap">
      <table data-testid="webhooks-table">
        <caption className="visually-hidden">Configured webhooks</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Format</th>
            <th scope="col">URL</th>
            <th scope="col">Sends</th>
            <th scope="col" className="num">
              Waiting
            </th>
            <th scope="col">Test</th>
          </tr>
        </thead>
        <tbody>
          {webhooks.map((webhook) => (
            <WebhookRow key={webhook.name} webhook={webhook} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function WebhookRow({ webhook }: { webhook: WebhookView & { queued: number } }) {
  const test = useTestAlertMutation();
  const [result, setResult] = useState<AlertTestResult | null>(null);
  const send = () => {
    setResult(null);
    test.mutate(webhook.name, { onSuccess: (data) => setResult(data.results[0] ?? null) });
  };
  return (
    <tr data-testid={`webhook-row-${webhook.name}`}>
      <th scope="row">{webhook.name}</th>
      <td>{webhook.format}</td>
      <td>
        <code title="Masked: the full URL may hold a token">{webhook.url}</code>
        {webhook.headerNames.length > 0 ? <span className="muted small"> + {webhook.headerNames.join(", ")} (hidden)</span> : null}
      </td>
      <td className="small">
        {webhook.kinds ? webhook.kinds.join(", ") : "every kind"}
        {webhook.minSeverity !== "info" ? `, ${webhook.minSeverity} and above` : ""}
      </td>
      <td className="num">{webhook.queued}</td>
      <td>
        <button type="button" onClick={send} disabled={test.isPending} aria-label={`Send a test to ${webhook.name}`}>
          {test.isPending ? "Sending…" : "Send a test"}
        </button>
        <span role="status" className="small" data-testid={`webhook-test-result-${webhook.name}`} style={{ marginLeft: 8 }}>
          {test.error ? <span className="form-error">{test.error.message}</span> : null}
          {result ? <span className={result.status === "delivered" ? "" : "form-error"}>{testResultText(result)}</span> : null}
        </span>
      </td>
    </tr>
  );
}

function Thresholds({ settings }: { settings: AlertsView["settings"] }) {
  return (
    <ul className="small" data-testid="alert-thresholds">
      <li>A backend of the current mode crashes (exit or OOM), is restarted (by the watchdog or an operator), or its restart fails.</li>
      <li>A mode switch fails or is rolled back; the watchdog gives up on a backend.</li>
      <li>
        More than {settings.errorRate.thresholdPct} % of requests fail on the lab&apos;s side over {settings.errorRate.windowMinutes} min (at least{" "}
        {settings.errorRate.minRequests} requests).
      </li>
      <li>
        A GPU stays at or above {settings.gpuTemperature.thresholdC} °C for {settings.gpuTemperature.sustainedSeconds} s.
      </li>
      <li>
        When it ends (a crashed backend is ready again, the error rate is back at or under its threshold, a GPU reads below{" "}
        {settings.gpuTemperature.thresholdC - settings.gpuTemperature.hysteresisC} °C), one &ldquo;resolved&rdquo; notice goes to the same webhooks.
      </li>
      <li>
        The same alert repeats at most every {settings.cooldownSeconds} s; each delivery gets {settings.delivery.timeoutSeconds} s and {settings.delivery.attempts} tries, and
        at most {settings.delivery.queueSize} alerts wait per webhook.
      </li>
    </ul>
  );
}
