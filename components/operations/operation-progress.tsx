"use client";

import type { OperationExpectation } from "@/components/hooks/api-types";
import { useModeSwitchQuery } from "@/components/hooks/queries/use-mode-switch-query";
import { useStatusQuery } from "@/components/hooks/queries/use-status-query";
import { OutcomeBadge } from "@/components/ui/badges";
import { formatDuration, formatTime } from "@/components/ui/format";
import { ErrorState, Loading } from "@/components/ui/states";
import { useNow } from "@/components/ui/use-now";
import {
  describeExpectation,
  describeOperation,
  describeStepExpectation,
  freshestOperation,
  fromOperationView,
  fromSwitchRow,
  plannedSteps,
  stepElapsedMs,
  stepLabel,
  type ExpectationView,
  type OperationProgressView,
} from "./operation-view";


/**
 * A mode switch or restart as it happens: each step with its status and time, filled in live from the event stream
 * (steps invalidate the record; the running operation in the status is pushed too), and the outcome at the end.
 */
export function OperationProgress({ operationId, onDismiss }: { operationId: string; onDismiss?: () => void }) {
  const record = useModeSwitchQuery(operationId);
  const { data: status } = useStatusQuery();
  const live = status?.operation?.id === operationId ? fromOperationView(status.operation) : null;
  const operation = freshestOperation(record.data ? fromSwitchRow(record.data) : null, live);
  const expectation = status?.operationEstimate?.operationId === operationId ? status.operationEstimate.expectation : undefined;

  if (!operation) {
    if (record.error) return <ErrorState title="Cannot read the operation" error={record.error} onRetry={() => void record.refetch()} />;
    return <Loading label="Starting the operation…" />;
  }
  const sleepAware = status?.backends.some((backend) => backend.sleepLevel !== null) ?? false;
  return <OperationSteps operation={operation} onDismiss={onDismiss} expectation={expectation} sleepAware={sleepAware} />;
}

export function OperationSteps({
  operation,
  onDismiss,
  compact = false,
  expectation,
  sleepAware = false,
}: {
  operation: OperationProgressView;
  onDismiss?: () => void;
  compact?: boolean;
  expectation?: OperationExpectation;
  /** Some engine declares `sleep`: a switch's plan includes sleep_engines and wake_engines. */
  sleepAware?: boolean;
}) {
  const running = operation.status === "running";
  const now = useNow(250, running);
  const upcoming = running ? plannedSteps(operation.kind, sleepAware).filter((name) => !operation.steps.some((s) => s.name === name)) : [];
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
            {running && expectation ? (
              <span className="muted small" data-testid="operation-expectation">
                {describeExpectation(expectation, totalMs)}
              </span>
            ) : null}
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
            <span className="step-detail muted small">
              <StepExpectation
                expectation={running ? expectation?.steps[step.name] : undefined}
                name={step.name}
                elapsedMs={step.status === "running" ? stepElapsedMs(step, now) : null}
                separator={step.detail !== null}
              />
              {step.detail}
            </span>
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
            <span className="step-detail muted small">
              <StepExpectation expectation={expectation?.steps[name]} name={name} elapsedMs={null} separator={false} />
            </span>
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

/** A step's usual time when it has history; for the running step, with its time so far. */
function StepExpectation({ expectation, name, elapsedMs, separator }: { expectation: ExpectationView | undefined; name: string; elapsedMs: number | null; separator: boolean }) {
  const text = describeStepExpectation(expectation, elapsedMs);
  return text ? <span data-testid={`operation-step-expectation-${name}`}>{separator ? `${text} · ` : text}</span> : null;
}

function stepIcon(status: string): string {
  if (status === "succeeded") return "✓";
  if (status === "failed") return "✕";
  if (status === "running") return "●";
  return "–";
}
