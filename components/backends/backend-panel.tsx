"use client";

import { useState } from "react";
import { useRestartBackendMutation } from "@/components/hooks/mutations/use-restart-backend-mutation";
import { useWatchdogMutation } from "@/components/hooks/mutations/use-watchdog-mutation";
import { useLabEventsQuery } from "@/components/hooks/queries/use-lab-events-query";
import type { BackendStatus, LabStatus } from "@/components/hooks/api-types";
import { OperationProgress } from "@/components/operations/operation-progress";
import { BackendStateBadge, SimulatedBadge } from "@/components/ui/badges";
import { simulationOf } from "@/components/ui/simulation";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatDateTime, formatDuration, formatFraction, formatNumber, formatTime, formatTokensPerSecond, MISSING } from "@/components/ui/format";
import { ErrorState } from "@/components/ui/states";
import { BackendLogs } from "./backend-logs";

/** One backend for the operator who has to look after it: its container, health, watchdog, logs and a restart. */
export function BackendPanel({ backend, status }: { backend: BackendStatus; status: LabStatus }) {
  const [confirming, setConfirming] = useState(false);
  const [operationId, setOperationId] = useState<string | null>(null);
  const restart = useRestartBackendMutation();
  const watchdog = useWatchdogMutation();
  const events = useLabEventsQuery({ backendId: backend.id, limit: 8 });
  const container = backend.containerInfo;
  // A backend outside the mode keeps its last scrape: not worth showing as if it were current.
  const engine = backend.inCurrentMode ? backend.engine : null;
  const restartBlocked = !backend.inCurrentMode
    ? `not part of the current mode (${status.mode})`
    : status.operation
      ? "another operation is running"
      : status.runtime.kind === "none"
        ? "runtime: none, Switchyard manages no containers"
        : null;

  return (
    <section className="panel" aria-labelledby={`backend-${backend.id}-heading`} data-testid={`backend-panel-${backend.id}`}>
      <div className="card-header">
        <h2 id={`backend-${backend.id}-heading`} style={{ margin: 0 }}>
          {backend.id}{" "}
          <BackendStateBadge backend={backend} testId={`backend-${backend.id}-state`} />
          {simulationOf(status).engines ? <SimulatedBadge what={`${backend.id}'s container and engine metrics`} testId={`backend-${backend.id}-simulated`} /> : null}
        </h2>
        <div className="toolbar">
          <button
            type="button"
            className="danger"
            onClick={() => setConfirming(true)}
            disabled={restartBlocked !== null}
            title={restartBlocked ? `Cannot restart: ${restartBlocked}` : undefined}
            aria-label={`Restart ${backend.id}`}
          >
            Restart…
          </button>
        </div>
      </div>
      <div className="muted small">
        {backend.servedModel} · GPU {backend.gpus.join(", ") || "none"} · <code>{backend.url}</code>
        {backend.stateReason ? ` · ${backend.stateReason}` : ""}
      </div>
      <dl className="stats">
        <div>
          <dt>Container</dt>
          <dd data-testid={`backend-${backend.id}-container-state`}>{container ? container.state : "external"}</dd>
        </div>
        <div>
          <dt>Exit code</dt>
          <dd>{container?.exitCode ?? MISSING}</dd>
        </div>
        <div>
          <dt>OOM-killed</dt>
          <dd className={container?.oomKilled ? "severity-error" : undefined}>{container ? (container.oomKilled ? "yes" : "no") : MISSING}</dd>
        </div>
        <div>
          <dt title="Restarts Switchyard recorded (console, API, watchdog); a mode switch's stop and start is not one">Restarts</dt>
          <dd data-testid={`backend-${backend.id}-restart-count`}>
            {formatNumber(backend.restarts)}
            {container && container.restartCount > 0 ? ` (+${formatNumber(container.restartCount)} by the container engine)` : ""}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd title={formatDateTime(container?.startedAt)}>{formatTime(container?.startedAt)}</dd>
        </div>
        <div>
          <dt>In flight / limit</dt>
          <dd>
            {formatNumber(backend.inFlight)} / {formatNumber(backend.maxConcurrency)}
          </dd>
        </div>
        <div>
          <dt>Queued / limit</dt>
          <dd>
            {formatNumber(backend.queued)} / {formatNumber(backend.maxQueue)}
          </dd>
        </div>
        <div>
          <dt>KV cache</dt>
          <dd>{formatFraction(engine?.kvCacheUsage, 1)}</dd>
        </div>
        <div>
          <dt>Generation</dt>
          <dd>{formatTokensPerSecond(engine?.generationTokensPerSecond)}</dd>
        </div>
        <div>
          <dt>TTFT p95</dt>
          <dd>{formatDuration(engine?.ttftP95Ms)}</dd>
        </div>
      </dl>
      {container?.error ? <p className="form-error">{container.error}</p> : null}
      {backend.watchdog ? (
        <div className="toolbar" style={{ marginTop: 8 }}>
          <label className="inline">
            <input
              type="checkbox"
              checked={backend.watchdog.enabled}
              disabled={watchdog.isPending}
              onChange={(e) => watchdog.mutate({ backendId: backend.id, enabled: e.target.checked })}
              data-testid={`backend-${backend.id}-watchdog`}
            />
            Watchdog: restart {backend.id} when its container dies or its health checks keep failing
          </label>
          {backend.watchdog.nextAttemptAt ? <span className="muted small">next attempt no sooner than {formatTime(backend.watchdog.nextAttemptAt)}</span> : null}
          {watchdog.error ? (
            <span className="form-error" role="alert">
              {watchdog.error.message}
            </span>
          ) : null}
        </div>
      ) : null}
      {operationId ? (
        <div style={{ marginTop: 10 }}>
          <OperationProgress operationId={operationId} onDismiss={() => setOperationId(null)} />
        </div>
      ) : null}
      <div style={{ marginTop: 10 }}>
        <BackendLogs backendId={backend.id} />
      </div>
      <details style={{ marginTop: 6 }}>
        <summary>Recent events</summary>
        {events.error ? <ErrorState title="Cannot read the events" error={events.error} /> : null}
        {events.data && events.data.rows.length === 0 ? <p className="muted small">Nothing recorded.</p> : null}
        <ul className="events-list small">
          {events.data?.rows.map((event) => (
            <li key={event.id} className={`severity-${event.severity}`}>
              <span className="muted">{formatDateTime(event.at)}</span> {event.message}
            </li>
          ))}
        </ul>
      </details>
      <ConfirmDialog
        open={confirming}
        title={`Restart ${backend.id}?`}
        confirmLabel={`Restart ${backend.id}`}
        tone="danger"
        busy={restart.isPending}
        error={restart.error?.message}
        onCancel={() => (setConfirming(false), restart.reset())}
        onConfirm={() =>
          restart.mutate(backend.id, {
            onSuccess: (result) => {
              setOperationId(result.operationId);
              setConfirming(false);
              restart.reset();
            },
          })
        }
      >
        <p>
          {backend.id} stops taking requests, finishes the {backend.inFlight} in flight (or cuts them off when the drain times out), restarts and takes requests again once
          ready. Requests for its models wait meanwhile or go to another candidate.
        </p>
      </ConfirmDialog>
    </section>
  );
}
