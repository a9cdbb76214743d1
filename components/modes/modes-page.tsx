"use client";

import { useState } from "react";
import { useStatusQuery } from "@/components/hooks/queries/use-status-query";
import { OperationProgress } from "@/components/operations/operation-progress";
import { StateBadge } from "@/components/ui/badges";
import { backendStateBadge } from "@/components/ui/backend-state";
import { ErrorState, Loading } from "@/components/ui/states";
import { ActivateModeDialog } from "./activate-mode-dialog";
import { SwitchHistory } from "./switch-history";

/** The lab's modes and what runs in each, switching between them, and the record of past switches and restarts. */
export function ModesPage() {
  const { data: status, error, isPending, refetch } = useStatusQuery();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [trackedId, setTrackedId] = useState<string | null>(null);

  if (isPending) return <Loading label="Loading the modes…" />;
  if (error && !status) return <ErrorState title="Cannot read the lab's status" error={error} onRetry={() => void refetch()} />;
  if (!status) return null;
  // The operation this console started stays on screen until dismissed; otherwise whatever is running now.
  const shownId = trackedId ?? status.operation?.id ?? null;
  return (
    <>
      <div className="page-header">
        <h1>Modes</h1>
        <span>
          Current mode <strong data-testid="current-mode">{status.mode}</strong>
        </span>
      </div>
      <section className="cards" aria-label="Modes">
        {status.modes.map((mode) => {
          const active = mode.name === status.mode;
          return (
            <article key={mode.name} className="card" data-testid={`mode-card-${mode.name}`} aria-labelledby={`mode-${mode.name}-name`}>
              <div className="card-header">
                <h3 id={`mode-${mode.name}-name`}>{mode.name}</h3>
                {active ? <span className="badge tone-ok">active</span> : null}
              </div>
              {mode.description ? <p className="muted small">{mode.description}</p> : null}
              <ul className="events-list small">
                {mode.backends.map((id) => {
                  const backend = status.backends.find((b) => b.id === id);
                  return (
                    <li key={id}>
                      <strong>{id}</strong> <span className="muted">{backend?.servedModel}</span> · GPU {backend?.gpus.join(", ") ?? "?"}{" "}
                      {/* Every mode's, not only the active one's: "asleep" there means switching back takes seconds. */}
                      {backend ? (
                        <StateBadge state={backend.state} label={backend.state === "asleep" ? backendStateBadge(backend).label : undefined} testId={`mode-${mode.name}-backend-${id}`} />
                      ) : null}
                    </li>
                  );
                })}
              </ul>
              <p className="muted small">GPUs {mode.gpus.join(", ") || "none"}</p>
              <button type="button" className="primary" disabled={active || status.operation !== null} onClick={() => setConfirming(mode.name)} aria-label={`Activate ${mode.name}`}>
                {active ? "Active" : "Activate…"}
              </button>
            </article>
          );
        })}
      </section>
      {shownId ? (
        <section className="panel" style={{ marginTop: 12 }} aria-label="Current operation">
          <OperationProgress key={shownId} operationId={shownId} onDismiss={() => setTrackedId(null)} />
        </section>
      ) : null}
      <div style={{ marginTop: 12 }}>
        <SwitchHistory />
      </div>
      <ActivateModeDialog target={confirming} status={status} onClose={() => setConfirming(null)} onStarted={setTrackedId} />
    </>
  );
}
