"use client";

import type { ApiKeyView } from "@/components/hooks/api-types";
import { formatDateTime, formatNumber, formatRelative } from "@/components/ui/format";
import { useNow } from "@/components/ui/use-now";
import { describeAllowedModels, keyStatusAt, statusTone } from "./key-status";
import type { KeyUsage } from "./key-usage";

/** The day only, to keep the table narrow; the cell's title has the full time. */
function formatDay(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

// Names and model lists are the free-text columns: they wrap, so the status and actions stay in view.
const wrapping = { whiteSpace: "normal", minWidth: 110 } as const;

/** "3 · 10": the last day's figure beside the week's. */
function dayAndWeek(day: number, week: number): string {
  return `${formatNumber(day)} · ${formatNumber(week)}`;
}

/**
 * Every API key, newest first, with its use over the last day and week (null: not loaded). Keys that are not
 * revoked can be edited (an expired one, to extend it); active ones revoked (after a confirmation the page owns).
 */
export function KeysTable({
  keys,
  usage,
  onEdit,
  onRevoke,
}: {
  keys: ApiKeyView[];
  usage: Map<string, KeyUsage> | null;
  onEdit: (key: ApiKeyView) => void;
  onRevoke: (key: ApiKeyView) => void;
}) {
  // Minutes are enough for "last used" and for a key expiring while the page is open.
  const now = useNow(30_000);
  return (
    <div className="table-wrap">
      <table data-testid="keys-table" className="sticky-actions">
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
            <th scope="col" className="num" title="Requests in the last 24 hours · in the last 7 days">
              Requests 24 h · 7 d
            </th>
            <th scope="col" className="num" title="Prompt and completion tokens in the last 24 hours · in the last 7 days">
              Tokens 24 h · 7 d
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => {
            const status = keyStatusAt(key, now);
            const used = usage?.get(key.id);
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
                <td className="num" data-testid={`key-rpm-${key.id}`}>
                  {key.requestsPerMinute === null ? "no limit" : formatNumber(key.requestsPerMinute)}
                </td>
                <td title={key.expiresAt ? formatDateTime(key.expiresAt) : undefined}>{key.expiresAt === null ? "never" : formatDay(key.expiresAt)}</td>
                <td title={formatDateTime(key.createdAt)}>{formatDay(key.createdAt)}</td>
                <td data-testid={`key-last-used-${key.id}`} title={key.lastUsedAt ? formatDateTime(key.lastUsedAt) : undefined}>
                  {key.lastUsedAt === null ? "never" : formatRelative(key.lastUsedAt, now)}
                </td>
                <td className="num" data-testid={`key-requests-${key.id}`} title={used ? `${formatNumber(used.errors24h)} failed in the last 24 hours (4xx, 5xx or cut mid-stream)` : undefined}>
                  {usage === null ? "…" : dayAndWeek(used?.requests24h ?? 0, used?.requests7d ?? 0)}
                </td>
                <td className="num" data-testid={`key-tokens-${key.id}`}>
                  {usage === null ? "…" : dayAndWeek(used?.tokens24h ?? 0, used?.tokens7d ?? 0)}
                </td>
                <td>
                  <div className="toolbar" style={{ flexWrap: "nowrap", gap: 6 }}>
                    {status !== "revoked" ? (
                      <button type="button" onClick={() => onEdit(key)} aria-label={`Edit ${key.name} (${key.prefix})`}>
                        Edit
                      </button>
                    ) : null}
                    {status === "active" ? (
                      <button type="button" onClick={() => onRevoke(key)} aria-label={`Revoke ${key.name} (${key.prefix})`}>
                        Revoke
                      </button>
                    ) : null}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
