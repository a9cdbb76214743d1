"use client";

import type { ApiKeyView } from "@/components/hooks/api-types";
import { formatDateTime, formatNumber, formatRelative } from "@/components/ui/format";
import { useNow } from "@/components/ui/use-now";
import { describeAllowedModels, keyStatusAt, statusTone } from "./key-status";

/** The day only, to keep the table narrow; the cell's title has the full time. */
function formatDay(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

// Names and model lists are the free-text columns: they wrap, so the status and actions stay in view.
const wrapping = { whiteSpace: "normal", minWidth: 110 } as const;

/** Every API key, newest first; active keys can be revoked (after a confirmation the page owns). */
export function KeysTable({ keys, onRevoke }: { keys: ApiKeyView[]; onRevoke: (key: ApiKeyView) => void }) {
  // Minutes are enough for "last used" and for a key expiring while the page is open.
  const now = useNow(30_000);
  return (
    <div className="table-wrap">
      <table data-testid="keys-table">
        <caption className="visually-hidden">API keys, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Status</th>
            <th scope="col">Models</th>
            <th scope="col">Lane</th>
            <th scope="col" className="num">
              Concurrency
            </th>
            <th scope="col" className="num">
              Requests/min
            </th>
            <th scope="col">Expires</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => {
            const status = keyStatusAt(key, now);
            return (
              <tr key={key.id} data-testid={`key-row-${key.id}`}>
                <th scope="row" style={wrapping}>
                  {key.name}
                  {key.captureBodies ? (
                    <span className="badge tone-info" title="Prompts and completions of this key's requests are stored" style={{ marginLeft: 6 }}>
                      captures bodies
                    </span>
                  ) : null}
                </th>
                <td>
                  <code>{key.prefix}</code>
                </td>
                <td>
                  <span
                    className={`badge tone-${statusTone[status]}`}
                    data-testid={`key-status-${key.id}`}
                    title={key.revokedAt ? `revoked ${formatDateTime(key.revokedAt)}` : undefined}
                  >
                    {status}
                  </span>
                </td>
                <td data-testid={`key-models-${key.id}`} style={wrapping}>{describeAllowedModels(key.allowedModels)}</td>
                <td>{key.lane}</td>
                <td className="num">{key.concurrency === null ? "no cap" : formatNumber(key.concurrency)}</td>
                <td className="num">{key.requestsPerMinute === null ? "no limit" : formatNumber(key.requestsPerMinute)}</td>
                <td title={key.expiresAt ? formatDateTime(key.expiresAt) : undefined}>{key.expiresAt === null ? "never" : formatDay(key.expiresAt)}</td>
                <td title={formatDateTime(key.createdAt)}>{formatDay(key.createdAt)}</td>
                <td data-testid={`key-last-used-${key.id}`} title={key.lastUsedAt ? formatDateTime(key.lastUsedAt) : undefined}>
                  {key.lastUsedAt === null ? "never" : formatRelative(key.lastUsedAt, now)}
                </td>
                <td>
                  {status === "active" ? (
                    <button type="button" onClick={() => onRevoke(key)} aria-label={`Revoke ${key.name} (${key.prefix})`}>
                      Revoke
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
