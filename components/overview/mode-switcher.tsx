"use client";

import Link from "next/link";
import { useState } from "react";
import type { LabStatus } from "@/components/hooks/api-types";
import { ActivateModeDialog } from "@/components/modes/activate-mode-dialog";
import { OperationProgress } from "@/components/operations/operation-progress";

/** The current mode and a control to switch it; the switch's steps show right here once it starts. */
export function ModeSwitcher({ status }: { status: LabStatus }) {
  const others = status.modes.filter((m) => m.name !== status.mode);
  const [choice, setChoice] = useState<string>("");
  const [confirming, setConfirming] = useState<string | null>(null);
  const [operationId, setOperationId] = useState<string | null>(null);
  const selected = others.some((m) => m.name === choice) ? choice : (others[0]?.name ?? "");
  const current = status.modes.find((m) => m.name === status.mode);

  return (
    <section className="panel" aria-labelledby="mode-heading">
      <div className="page-header" style={{ marginBottom: 0 }}>
        <div>
          <h2 id="mode-heading" style={{ margin: 0 }}>
            Mode <span data-testid="current-mode">{status.mode}</span>
          </h2>
          <div className="muted small">{current ? `${current.description ?? current.backends.join(", ")} · GPU ${current.gpus.join(", ")}` : null}</div>
        </div>
        {others.length > 0 ? (
          <form
            className="toolbar"
            onSubmit={(event) => {
              event.preventDefault();
              if (selected) setConfirming(selected);
            }}
          >
            <label className="inline">
              Switch to
              <select value={selected} onChange={(e) => setChoice(e.target.value)} disabled={status.operation !== null}>
                {others.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className="primary" disabled={status.operation !== null || !selected}>
              Switch…
            </button>
          </form>
        ) : null}
      </div>
      {status.operation && status.operation.id !== operationId ? (
        <p className="muted small">
          An operation is running: <Link href="/modes">see it on the Modes page</Link>.
        </p>
      ) : null}
      {operationId ? (
        <div style={{ marginTop: 10 }}>
          <OperationProgress operationId={operationId} onDismiss={() => setOperationId(null)} />
        </div>
      ) : null}
      <ActivateModeDialog target={confirming} status={status} onClose={() => setConfirming(null)} onStarted={setOperationId} />
    </section>
  );
}
