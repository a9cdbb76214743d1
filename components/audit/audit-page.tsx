"use client";

import { useState } from "react";
import type { AuditEntryJson, AuditFilters } from "@/components/hooks/api-types";
import { useAuditQuery } from "@/components/hooks/queries/use-audit-query";
import { formatDateTime } from "@/components/ui/format";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { ToggleGroup } from "@/components/ui/toggle-group";
import { describeActor } from "./describe-actor";

const KINDS = ["all", "route", "limit", "key", "mode"] as const;
type KindFilter = (typeof KINDS)[number];
const kindLabels: Record<KindFilter, string> = { all: "All", route: "Routes", limit: "Limits", key: "Keys", mode: "Modes" };

/**
 * The audit trail: every route, limit and key change and every mode switch or restart asked for through the admin
 * API, newest first, with who, when, and the value before and after. New entries arrive live (`audit` events).
 */
export function AuditPage() {
  const [kind, setKind] = useState<KindFilter>("all");
  const filters: AuditFilters = kind === "all" ? {} : { kind };
  const audit = useAuditQuery(filters);
  const rows = audit.data?.pages.flatMap((page) => page.rows) ?? [];
  return (
    <>
      <div className="page-header">
        <h1>Audit trail</h1>
        <span className="muted small">Changes made through the console and the admin API</span>
      </div>
      <section className="panel" aria-label="Audit entries">
        <div className="toolbar" style={{ marginBottom: 8 }}>
          <ToggleGroup label="Kind of change" options={KINDS} value={kind} onChange={setKind} format={(option) => kindLabels[option]} />
        </div>
        {audit.isPending ? (
          <Loading label="Loading the audit trail…" />
        ) : audit.error && !audit.data ? (
          <ErrorState title="Cannot read the audit trail" error={audit.error} onRetry={() => void audit.refetch()} />
        ) : rows.length === 0 ? (
          <Empty>No changes recorded{kind === "all" ? "" : ` of this kind`} yet.</Empty>
        ) : (
          <ol className="audit-list" data-testid="audit-list">
            {rows.map((entry) => (
              <AuditItem key={entry.id} entry={entry} />
            ))}
          </ol>
        )}
        {audit.hasNextPage ? (
          <button type="button" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
            {audit.isFetchingNextPage ? "Loading…" : "Older changes"}
          </button>
        ) : null}
      </section>
    </>
  );
}

const actionTone: Record<string, string> = { created: "ok", updated: "info", deleted: "bad", revoked: "bad", switch_requested: "info", restart_requested: "warn" };

function AuditItem({ entry }: { entry: AuditEntryJson }) {
  return (
    <li className="audit-entry" data-testid={`audit-entry-${entry.id}`}>
      <div className="audit-head">
        <time dateTime={entry.at} className="muted small">
          {formatDateTime(entry.at)}
        </time>
        <span className="badge tone-muted">{entry.kind}</span>
        <span className={`badge tone-${actionTone[entry.action] ?? "muted"}`}>{entry.action.replace(/_/g, " ")}</span>
        <strong className="audit-summary">{entry.summary}</strong>
      </div>
      <div className="muted small" data-testid="audit-actor">
        by {describeActor(entry)}
      </div>
      <details>
        <summary>Before and after</summary>
        <div className="audit-values">
          <figure>
            <figcaption>Before</figcaption>
            <pre data-testid="audit-before">{entry.beforeYaml ?? (entry.before === null ? "(did not exist)" : JSON.stringify(entry.before, null, 2))}</pre>
          </figure>
          <figure>
            <figcaption>After</figcaption>
            <pre data-testid="audit-after">{entry.afterYaml ?? (entry.after === null ? "(no longer exists)" : JSON.stringify(entry.after, null, 2))}</pre>
          </figure>
        </div>
      </details>
    </li>
  );
}
