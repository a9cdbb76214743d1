import type { BackendStatus } from "@/components/hooks/api-types";
import { SimulatedBadge, StateBadge } from "@/components/ui/badges";
import { formatDuration, formatFraction, formatNumber, formatRelative, formatTokensPerSecond } from "@/components/ui/format";
import type { LastRestart } from "./last-restart";

/** One backend at a glance: state, load and latency from its engine metrics, and its last restart. */
export function BackendCard({ backend, lastRestart, now, simulated }: { backend: BackendStatus; lastRestart: LastRestart | null; now: number; simulated: boolean }) {
  const engine = backend.engine;
  const stale = engine ? now - engine.at > 15_000 : true;
  return (
    <article className={`card${backend.inCurrentMode ? "" : " inactive"}`} data-testid={`backend-card-${backend.id}`} aria-labelledby={`backend-${backend.id}-name`}>
      <div className="card-header">
        <h3 id={`backend-${backend.id}-name`}>
          {backend.id}
          {simulated ? <SimulatedBadge what={`${backend.id}'s engine metrics`} testId={`backend-${backend.id}-simulated`} /> : null}
        </h3>
        {backend.inCurrentMode || backend.state !== "stopped" ? (
          <StateBadge state={backend.state} testId={`backend-${backend.id}-state`} />
        ) : (
          <StateBadge state="not in this mode" testId={`backend-${backend.id}-state`} />
        )}
      </div>
      <div className="muted small">
        {backend.servedModel} · GPU {backend.gpus.join(", ") || "none"}
      </div>
      {backend.stateReason ? <div className="small">{backend.stateReason}</div> : null}
      {backend.inCurrentMode ? (
        <dl className="stats">
          <div>
            <dt>In flight</dt>
            <dd data-testid={`backend-${backend.id}-in-flight`}>
              {formatNumber(backend.inFlight)} / {formatNumber(backend.maxConcurrency)}
            </dd>
          </div>
          <div>
            <dt>Queued (gw / vLLM)</dt>
            <dd data-testid={`backend-${backend.id}-queued`} title="In Switchyard's admission queue / waiting inside vLLM">
              {formatNumber(backend.queued)} / {formatNumber(engine?.waiting)}
            </dd>
          </div>
          <div>
            <dt>Running (engine)</dt>
            <dd>{formatNumber(engine?.running)}</dd>
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
            <dt>TTFT p50 / p95</dt>
            <dd>
              {formatDuration(engine?.ttftP50Ms)} / {formatDuration(engine?.ttftP95Ms)}
            </dd>
          </div>
        </dl>
      ) : null}
      {backend.inCurrentMode && stale ? <div className="muted small">No recent engine metrics.</div> : null}
      <div className="muted small" style={{ marginTop: 6 }} data-testid={`backend-${backend.id}-last-restart`}>
        {lastRestart ? (
          <>
            Last restart {formatRelative(lastRestart.at, now)}: {lastRestart.reason}
          </>
        ) : (
          "No restarts recorded."
        )}
        {backend.containerInfo && backend.containerInfo.restartCount > 0 ? ` · ${backend.containerInfo.restartCount} container restart(s)` : ""}
      </div>
    </article>
  );
}
