"use client";

import { Fragment, useState } from "react";
import { useModeSwitchesQuery } from "@/components/hooks/queries/use-mode-switches-query";
import type { ModeSwitchRow, OperationKind } from "@/components/hooks/api-types";
import { restartReasonOf } from "@/components/overview/last-restart";
import { OperationSteps } from "@/components/operations/operation-progress";
import { fromSwitchRow } from "@/components/operations/operation-view";
import { OutcomeBadge } from "@/components/ui/badges";
import { formatDateTime, formatDuration, MISSING } from "@/components/ui/format";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { ToggleGroup } from "@/components/ui/toggle-group";

const KINDS = ["all", "mode_switch", "restart"] as const;
const KIND_LABELS: Record<(typeof KINDS)[number], string> = { all: "All", mode_switch: "Mode switches", restart: "Restarts" };

/** Past mode switches and restarts: who (and, for automatic ones, what triggered them), when, how long, how it ended, and each step's time on demand. */
export function SwitchHistory() {
  const [kind, setKind] = useState<OperationKind | "all">("all");
  const [expanded, setExpanded] = useState<string | null>(null);
  const history = useModeSwitchesQuery(kind);
  const rows = history.data?.pages.flatMap((p) => p.rows) ?? [];
  return (
    <section className="panel" aria-labelledby="history-heading">
      <div className="card-header">
        <h2 id="history-heading" style={{ margin: 0 }}>
          History
        </h2>
        <ToggleGroup label="Show" options={KINDS} value={kind} onChange={setKind} format={(k) => KIND_LABELS[k]} />
      </div>
      {history.isPending ? <Loading label="Loading the history…" /> : null}
      {history.error ? <ErrorState title="Cannot read the history" error={history.error} onRetry={() => void history.refetch()} /> : null}
      {history.data && rows.length === 0 ? <Empty>No operations recorded yet.</Empty> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="switch-history">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Operation</th>
                <th scope="col">By</th>
                <th scope="col" className="num">
                  Took
                </th>
                <th scope="col">Outcome</th>
                <th scope="col">Why started</th>
                <th scope="col">Error or rollback reason</th>
                <th scope="col">
                  <span className="visually-hidden">Steps</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <Fragment key={row.id}>
                  <tr data-testid={`switch-row-${row.id}`}>
                    <td>{formatDateTime(row.startedAt)}</td>
                    <td>{describeRow(row)}</td>
                    <td className="wrap">
                      {row.requestedBy}
                      {row.trigger ? (
                        <div className="muted small" data-testid={`switch-trigger-${row.id}`}>
                          {row.trigger}
                        </div>
                      ) : null}
                    </td>
                    <td className="num">{formatDuration(row.durationMs)}</td>
                    <td>
                      <OutcomeBadge value={row.status} />
                    </td>
                    <td className="wrap" data-testid={`switch-row-${row.id}-reason`}>
                      {row.kind === "restart" ? restartReasonOf(row) : `requested from the ${row.requestedBy}`}
                    </td>
                    <td className="wrap">{row.error ?? MISSING}</td>
                    <td>
                      <button type="button" aria-expanded={expanded === row.id} onClick={() => setExpanded(expanded === row.id ? null : row.id)}>
                        {expanded === row.id ? "Hide steps" : `Steps (${row.steps.length})`}
                      </button>
                    </td>
                  </tr>
                  {expanded === row.id ? (
                    <tr>
                      <td colSpan={8} className="wrap">
                        <OperationSteps operation={fromSwitchRow(row)} compact />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {history.hasNextPage ? (
        <button type="button" style={{ marginTop: 8 }} onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage}>
          {history.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </section>
  );
}

function describeRow(row: ModeSwitchRow): string {
  return row.kind === "restart" ? `restart ${row.backendId ?? "?"}` : `${row.fromMode ?? "?"} → ${row.toMode ?? "?"}`;
}
