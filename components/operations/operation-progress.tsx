"use client";

import { useModeSwitchQuery } from "@/components/hooks/queries/use-mode-switch-query";
import { useStatusQuery } from "@/components/hooks/queries/use-status-query";
import { OutcomeBadge } from "@/components/ui/badges";
import { formatDuration, formatTime } from "@/components/ui/format";
import { ErrorState, Loading } from "@/components/ui/states";
import { useNow } from "@/components/ui/use-now";
import { describeOperation, freshestOperation, fromOperationView, fromSwitchRow, PLANNED_STEPS, stepElapsedMs, stepLabel, type OperationProgressView } from "./operation-view";

/**
 * A mode switch or restart as it happens: each step with its status and time, filled in live from the event stream
 * (steps invalidate the record; the running operation in the status is pushed too), and the outcome at the end.
 */
export function OperationProgress({ operationId, onDismiss }: { operationId: string; onDismiss?: () => void }) {
  const record = useModeSwitchQuery(operationId);
  const { data: status } = useStatusQuery();
  const live = status?.operation?.id === operationId ? fromOperationView(status.operation) : null;
  const operation = freshestOperation(record.data ? fromSwitchRow(record.data) : null, live);

  if (!operation) {
    if (record.error) return <ErrorState title="Cannot read the operation" error={record.error} onRetry={() => void record.refetch()} />;
    return <Loading label="Starting the operation…" />;
  }
  return <OperationSteps operation={operation} onDismiss={onDismiss} />;
}

export function OperationSteps({ operation, onDismiss, compact = false }: { operation: OperationProgressView; onDismiss?: () => void; compact?: boolean }) {
  const running = operation.status === "running";
  const now = useNow(250, running);
  const upcoming = running ? PLANNED_STEPS[operation.kind].filter((name) => !operation.steps.some((s) => s.name === name)) : [];
  const totalMs = (operation.finishedAt ?? (running ? now : operation.steps.at(-1)?.finishedAt ?? now)) - operation.startedAt;
  return (
    <section className="operation" data-testid="operation-progress" data-operation-id={operation.id} data-status={operation.status} aria-live="polite">
      {!compact ? (
        <header className="card-header">
          <h3>{describeOperation(operation)}</h3>
          <span className="toolbar">
            <OutcomeBadge value={operation.status} testId="operation-status" />
            <span className="muted small">
              {formatTime(operation.startedAt)} · {formatDuration(totalMs)} · by {operation.requestedBy}
            </span>
            {onDismiss && !running ? (
              <button type="button" onClick={onDismiss} aria-label="Dismiss the operation">
                Dismiss
              </button>
            ) : null}
          </span>
        </header>
      ) : null}
      <ol className="steps">
        {operation.steps.map((step, i) => (
          <li key={`${step.name}-${i}`} className={`step-${step.status}`} data-testid={`operation-step-${step.name}`} data-status={step.status}>
            <span className="step-icon" aria-hidden="true">
              {stepIcon(step.status)}
            </span>
            <span>{stepLabel(step.name)}</span>
            <span className="small">{step.status}</span>
            <span className="num small">{formatDuration(stepElapsedMs(step, now))}</span>
            <span className="step-detail muted small">{step.detail}</span>
          </li>
        ))}
        {upcoming.map((name) => (
          <li key={name} className="step-pending muted" data-testid={`operation-step-${name}`} data-status="pending">
            <span className="step-icon" aria-hidden="true">
              ○
            </span>
            <span>{stepLabel(name)}</span>
            <span className="small">pending</span>
            <span />
            <span />
          </li>
        ))}
      </ol>
      {operation.error ? (
        <p className="form-error" role="alert">
          {operation.status === "rolled_back" ? "Rolled back: " : "Failed: "}
          {operation.error}
        </p>
      ) : null}
    </section>
  );
}

function stepIcon(status: string): string {
  if (status === "succeeded") return "✓";
  if (status === "failed") return "✕";
  if (status === "running") return "●";
  return "–";
}
