"use client";

import Link from "next/link";
import { useCallback, useMemo, useState } from "react";
import { useRoutesQuery } from "@/components/hooks/queries/use-routes-query";
import { useStatusQuery } from "@/components/hooks/queries/use-status-query";
import { ErrorState, Loading } from "@/components/ui/states";
import { LimitsEditor } from "./limits-editor";
import { RoutesEditor } from "./routes-editor";
import { RoutingTable } from "./routing-table";
import { UnsavedChangesGuard } from "./unsaved-changes-guard";

/** Where each model name goes in each mode, and the routes and limits that decide it (edited in the config file). */
export function RoutingPage() {
  const routes = useRoutesQuery();
  const status = useStatusQuery();
  const [saved, setSaved] = useState<string | null>(null);
  const [routesDirty, setRoutesDirty] = useState(false);
  const [limitsDirty, setLimitsDirty] = useState(false);
  const onRoutesDirty = useCallback((dirty: boolean) => setRoutesDirty(dirty), []);
  const onLimitsDirty = useCallback((dirty: boolean) => setLimitsDirty(dirty), []);
  const health = useMemo(() => Object.fromEntries((status.data?.backends ?? []).map((backend) => [backend.id, backend])), [status.data]);

  if (routes.isPending) return <Loading label="Loading the routing table…" />;
  if (routes.error && !routes.data) return <ErrorState title="Cannot read the routes" error={routes.error} onRetry={() => void routes.refetch()} />;
  if (!routes.data) return null;
  const view = routes.data;
  return (
    <>
      <div className="page-header">
        <h1>Routing</h1>
        <span className="muted small">
          Config file <code>{view.configPath}</code> · every change is in the <Link href="/audit">audit trail</Link>
        </span>
      </div>
      <UnsavedChangesGuard dirty={routesDirty || limitsDirty} />
      <section className="panel" aria-labelledby="table-heading">
        <h2 id="table-heading">Where each model goes</h2>
        <RoutingTable view={view} />
      </section>
      <section className="panel" aria-labelledby="routes-heading">
        <h2 id="routes-heading">Routes</h2>
        <p className="muted small">A model name is looked up as a route, then as a backend&apos;s served model. Only backends of the current mode serve; the first live candidate wins.</p>
        {/* Remount on every change from the server, so the form always starts from what is in force. */}
        <RoutesEditor key={JSON.stringify(view.routes)} view={view} health={health} onSaved={setSaved} onDirtyChange={onRoutesDirty} />
        {saved ? (
          <p className="form-ok" role="status" data-testid="routes-saved">
            {saved}
          </p>
        ) : null}
      </section>
      {Object.keys(view.autoRules).length > 0 ? (
        <section className="panel" aria-labelledby="auto-heading">
          <h2 id="auto-heading">Automatic routing rules</h2>
          {Object.entries(view.autoRules).map(([name, rules]) => (
            <div key={name} data-testid={`auto-rules-${name}`}>
              <h3>
                <code>{name}</code>
              </h3>
              <ol>
                {rules.map((rule) => (
                  <li key={rule}>{rule}</li>
                ))}
              </ol>
            </div>
          ))}
        </section>
      ) : null}
      <section className="panel" aria-labelledby="limits-heading">
        <h2 id="limits-heading">Backend limits</h2>
        <p className="muted small">Requests beyond the concurrency limit wait in Switchyard&apos;s queue; beyond the queue limit they get 429.</p>
        <LimitsEditor view={view} onDirtyChange={onLimitsDirty} />
      </section>
    </>
  );
}
