import Link from "next/link";
import type { RequestLogRow } from "@/components/hooks/api-types";
import { OutcomeBadge } from "@/components/ui/badges";
import { formatDuration, formatNumber, formatTime, MISSING } from "@/components/ui/format";

/** Moves focus to a row's link (after its detail closes), if the row is on screen. */
export function focusRequestRow(id: string): void {
  document.querySelector<HTMLElement>(`[data-testid="request-row-${CSS.escape(id)}"] a`)?.focus();
}

/**
 * The request log, newest first; a row's time is a link to the request's own page (`/requests/<id>`): a plain
 * click opens the detail beside the table instead, a middle or modified click opens the page.
 */
export function RequestsTable({ rows, selectedId, onSelect }: { rows: RequestLogRow[]; selectedId: string | null; onSelect: (id: string) => void }) {
  return (
    <div className="table-wrap">
      <table data-testid="requests-table">
        <caption className="visually-hidden">Requests, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Model</th>
            <th scope="col">Route</th>
            <th scope="col">Backend</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Status</th>
            <th scope="col">Outcome</th>
            <th scope="col" className="num">
              Tokens in → out
            </th>
            <th scope="col" className="num">
              TTFT
            </th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col">Client</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} className="clickable" data-testid={`request-row-${row.id}`} aria-selected={String(row.id) === selectedId} onClick={() => onSelect(String(row.id))}>
              <td>
                <Link
                  href={`/requests/${encodeURIComponent(String(row.id))}`}
                  onClick={(e) => {
                    e.stopPropagation();
                    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                    e.preventDefault();
                    onSelect(String(row.id));
                  }}
                  aria-label={`Show request ${row.id}`}
                  title={row.clientRequestId ? `${row.id} (x-request-id ${row.clientRequestId})` : String(row.id)}
                >
                  {formatTime(row.receivedAt)}
                </Link>
              </td>
              <td>
                {row.requestedModel ?? MISSING}
                {row.stream ? <span className="muted small"> stream</span> : null}
              </td>
              <td title={row.routeReason ?? undefined}>{row.route ?? MISSING}</td>
              <td>{row.backend ?? MISSING}</td>
              <td className="muted">{row.endpoint}</td>
              <td>{row.status ?? MISSING}</td>
              <td>
                <OutcomeBadge value={row.outcome} />
              </td>
              <td className="num">
                {formatNumber(row.promptTokens)} → {formatNumber(row.completionTokens)}
              </td>
              <td className="num">{formatDuration(row.ttftMs)}</td>
              <td className="num">{formatDuration(row.durationMs)}</td>
              <td className="muted">{row.clientAddress ?? MISSING}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
