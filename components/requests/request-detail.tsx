"use client";

import Link from "next/link";
import { ApiRequestError } from "@/components/hooks/api-client";
import { useRequestQuery } from "@/components/hooks/queries/use-request-query";
import type { RequestDetailJson } from "@/components/hooks/api-types";
import { useStatusQuery } from "@/components/hooks/queries/use-status-query";
import { OutcomeBadge, SimulatedBadge } from "@/components/ui/badges";
import { simulationOf } from "@/components/ui/simulation";
import { formatDateTime, formatDuration, formatEnergyWh, formatFraction, formatNumber, formatPercent, MISSING } from "@/components/ui/format";
import { ErrorState, Loading } from "@/components/ui/states";
import { displayCapturedBody } from "./captured-body";
import { requestTimeline } from "./request-timeline";

/**
 * Everything logged about one request: timings as a waterfall, the lab's state when it arrived, every field. Beside
 * the request log (`onClose` given: a Close button and a link to the request's own page) or as that page
 * (`/requests/<id>`, no `onClose`: a link back to the log).
 */
export function RequestDetail({ id, onClose }: { id: string; onClose?: () => void }) {
  const request = useRequestQuery(id);
  return (
    <aside className="panel request-detail" aria-label="Request detail" data-testid="request-detail">
      <div className="card-header">
        <h2 style={{ margin: 0 }}>Request</h2>
        {onClose ? (
          <span className="toolbar">
            <Link href={`/requests/${encodeURIComponent(id)}`} data-testid="request-detail-page-link">
              Open as a page
            </Link>
            <button type="button" onClick={onClose} aria-label="Close the request detail" title="Close (Esc)">
              Close
            </button>
          </span>
        ) : (
          <Link href="/requests">Back to the request log</Link>
        )}
      </div>
      <div className="mono small" data-testid="request-detail-id">
        {id}
      </div>
      {request.isPending ? <Loading label="Loading the request…" /> : null}
      {/* A request that is not in the log will not be there on a second try: no "Try again" for a 404. */}
      {request.error ? (
        <ErrorState
          title="Cannot read this request"
          error={request.error}
          onRetry={request.error instanceof ApiRequestError && request.error.status === 404 ? undefined : () => void request.refetch()}
        />
      ) : null}
      {request.data ? <RequestFields row={request.data} /> : null}
    </aside>
  );
}

function RequestFields({ row }: { row: RequestDetailJson }) {
  const timeline = requestTimeline(row);
  const simulatedGpus = simulationOf(useStatusQuery().data).gpus;
  return (
    <>
      <p>
        <OutcomeBadge value={row.outcome} testId="request-detail-outcome" /> {row.status ?? ""} · {row.method} {row.endpoint}
      </p>
      {row.errorMessage || row.errorCode ? (
        <p className="form-error">
          {row.errorCode ? <code>{row.errorCode}</code> : null} {row.errorMessage}
        </p>
      ) : null}
      <h3>Timings</h3>
      {timeline.segments.length === 0 ? (
        <p className="muted small">{row.outcome === "open" ? "Still running." : "No timings recorded."}</p>
      ) : (
        <div className="waterfall" role="img" aria-label={`Timeline: ${timeline.segments.map((s) => `${s.label} ${formatDuration(s.endMs - s.startMs)}`).join(", ")}`}>
          {timeline.segments.map((segment) => (
            <div key={segment.kind} className="waterfall-row">
              <span>{segment.label}</span>
              <span className="waterfall-track">
                <span className={`waterfall-bar ${segment.kind}`} style={{ left: `${segment.leftPct}%`, width: `${segment.widthPct}%` }} />
              </span>
              <span className="num">{formatDuration(segment.endMs - segment.startMs)}</span>
            </div>
          ))}
          <div className="waterfall-row">
            <strong>Total</strong>
            <span className="waterfall-track">
              <span className="waterfall-bar total" style={{ left: 0, width: "100%" }} />
            </span>
            <strong className="num">{formatDuration(timeline.totalMs)}</strong>
          </div>
        </div>
      )}
      <h3>Lab at arrival</h3>
      <dl className="stats">
        <div>
          <dt>GPU utilization</dt>
          <dd>{formatPercent(row.gpuUtilizationPct)}</dd>
        </div>
        <div>
          <dt>KV cache</dt>
          <dd>{formatFraction(row.kvCacheUsage, 1)}</dd>
        </div>
        <div>
          <dt>Engine queue</dt>
          <dd>{formatNumber(row.backendQueueDepth)}</dd>
        </div>
        <div>
          <dt>Energy</dt>
          <dd>
            {formatEnergyWh(row.energyWh)}
            {row.energyWh !== null && simulatedGpus ? <SimulatedBadge what="This energy figure" testId="request-energy-simulated" /> : null}
          </dd>
        </div>
      </dl>
      <h3>Captured bodies</h3>
      <CapturedBody label="Request body" kind="request" body={row.requestBody} />
      <CapturedBody label="Response body" kind="response" body={row.responseBody} />
      <h3>All fields</h3>
      <dl className="fields small">
        {fieldList(row).map(([label, value]) => (
          <div key={label} style={{ display: "contents" }}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}

/** A body stored by prompt capture, folded away until asked for (they can be long and may be sensitive). */
function CapturedBody({ label, kind, body }: { label: string; kind: "request" | "response"; body: string | null }) {
  const testId = `request-detail-${kind}-body`;
  if (body === null) {
    return (
      <p className="small" data-testid={testId}>
        {label}: <span className="muted">not captured</span>
      </p>
    );
  }
  const shown = displayCapturedBody(body, kind);
  return (
    <details data-testid={testId}>
      <summary className="small">
        {label} <span className="muted">({formatNumber(body.length)} characters{shown.json ? ", JSON" : ""})</span>
      </summary>
      {/* Focusable so the scrollable block can be scrolled from the keyboard. */}
      <pre className="logs" tabIndex={0} aria-label={label}>
        {shown.text}
      </pre>
    </details>
  );
}

function fieldList(row: RequestDetailJson): [string, string][] {
  const text = (value: string | number | boolean | null) => (value === null ? MISSING : String(value));
  return [
    ["Log id", String(row.id)],
    ["Client's x-request-id", text(row.clientRequestId)],
    ["Received", formatDateTime(row.receivedAt)],
    ["First token", formatDateTime(row.firstTokenAt)],
    ["Finished", formatDateTime(row.finishedAt)],
    ["Requested model", text(row.requestedModel)],
    ["Route", text(row.route)],
    ["Route reason", text(row.routeReason)],
    ["Backend", text(row.backend)],
    ["Mode", text(row.mode)],
    ["Attempts", text(row.attempts)],
    ["Stream", row.stream ? "yes" : "no"],
    ["HTTP status", text(row.status)],
    ["Outcome", row.outcome],
    ["Finish reason", text(row.finishReason)],
    ["Error code", text(row.errorCode)],
    ["Error message", text(row.errorMessage)],
    ["Prompt tokens", formatNumber(row.promptTokens)],
    ["Completion tokens", formatNumber(row.completionTokens)],
    ["Cached tokens", formatNumber(row.cachedTokens)],
    ["Queued", formatDuration(row.queueMs)],
    ["Time to first token", formatDuration(row.ttftMs)],
    ["Duration", formatDuration(row.durationMs)],
    ["Client address", text(row.clientAddress)],
    ["User agent", text(row.userAgent)],
    ["API key", row.apiKeyName ? `${row.apiKeyName} (${row.apiKeyId ?? "?"})` : text(row.apiKeyId)],
    ["GPU utilization at arrival", formatPercent(row.gpuUtilizationPct)],
    ["KV cache at arrival", formatFraction(row.kvCacheUsage, 1)],
    ["Engine queue at arrival", formatNumber(row.backendQueueDepth)],
    ["Energy", formatEnergyWh(row.energyWh)],
  ];
}
