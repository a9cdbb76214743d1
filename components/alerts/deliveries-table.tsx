"use client";

import type { AlertDeliveryJson } from "@/components/hooks/api-types";
import { formatDateTime, formatDuration } from "@/components/ui/format";
import { AlertBadge } from "./alert-badge";
import { deliveryLabel, deliveryTone } from "./delivery-text";

const wrapping = { whiteSpace: "normal", minWidth: 200 } as const;

/** Every attempt to deliver an alert, newest first (refreshed by the live `alert_delivery` events). */
export function DeliveriesTable({ rows }: { rows: AlertDeliveryJson[] }) {
  return (
    <div className="table-wrap">
      <table data-testid="deliveries-table">
        <caption className="visually-hidden">Alert deliveries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">At</th>
            <th scope="col">Alert</th>
            <th scope="col">Webhook</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Try
            </th>
            <th scope="col" className="num">
              HTTP
            </th>
            <th scope="col" className="num">
              Took
            </th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-testid="delivery-row" data-kind={row.kind} data-webhook={row.webhook} data-status={row.status} data-resolved={row.resolved}>
              <td>{formatDateTime(row.at)}</td>
              <td style={wrapping} title={row.message}>
                <AlertBadge row={row} /> {row.title}
              </td>
              <td>{row.webhook}</td>
              <td>
                <span className={`badge tone-${deliveryTone(row)}`}>{deliveryLabel(row)}</span>
              </td>
              <td className="num">{row.attempt > 0 ? row.attempt : "—"}</td>
              <td className="num">{row.httpStatus ?? "—"}</td>
              <td className="num">{formatDuration(row.durationMs)}</td>
              <td style={wrapping} className="small">
                {row.error ?? ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
