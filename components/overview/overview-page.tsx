"use client";

import { useStatusQuery } from "@/components/hooks/queries/use-status-query";

/** The lab at a glance: mode, backends and their health, the request log's state. */
export function OverviewPage() {
  const { data: status, error, isPending } = useStatusQuery();
  if (isPending) return <p className="muted">Loading the lab's status…</p>;
  if (error) return <div className="banner error">Cannot read the lab's status: {error.message}</div>;

  const degraded = status.backends.filter((b) => b.inCurrentMode && (b.state === "down" || b.state === "unhealthy"));
  return (
    <>
      <h1>Overview</h1>
      {status.configError && <div className="banner error">The config file has a problem; the last good config stays in force. {status.configError}</div>}
      {status.auth === "open" && <div className="banner">Authentication is off (auth: open): anyone who can reach this gateway can use the lab.</div>}
      {degraded.length > 0 && <div className="banner error">Degraded: {degraded.map((b) => `${b.id} is ${b.state}`).join(", ")}</div>}
      {status.requestLog.dropped > 0 && (
        <div className="banner">The request log dropped {status.requestLog.dropped} row(s){status.requestLog.lastError ? `: ${status.requestLog.lastError}` : ""}</div>
      )}
      <p>
        Mode <strong data-testid="current-mode">{status.mode}</strong> · runtime {status.runtime.kind}
      </p>
      <section className="cards" aria-label="Backends">
        {status.backends.map((backend) => (
          <article className="card" key={backend.id} data-testid={`backend-${backend.id}`}>
            <h3>{backend.id}</h3>
            <div className="muted">{backend.servedModel}</div>
            <div>
              {backend.inCurrentMode ? <span className={`badge ${backend.state}`}>{backend.state}</span> : <span className="badge unknown">not in this mode</span>}
            </div>
            <div className="muted">
              GPU {backend.gpus.join(", ") || "none"} · {backend.inFlight} in flight
            </div>
          </article>
        ))}
      </section>
      <p className="muted">
        Request log: {status.requestLog.written} written, {status.requestLog.queued} queued, {status.requestLog.dropped} dropped
      </p>
    </>
  );
}
