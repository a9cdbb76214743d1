import type { BackendStatus } from "@/components/hooks/api-types";
import { BackendStateBadge, SimulatedBadge } from "@/components/ui/badges";
import { formatDuration, formatFraction, formatNumber, formatRelative, formatTokensPerSecond } from "@/components/ui/format";
import type { LastRestart } from "./last-restart";

/** Why a backend of the current mode shows no engine numbers (the status sends none for an engine that is not running). */
function noEngineNote(backend: BackendStatus): string {
  if (backend.state === "down" || backend.state === "stopped") return "Engine not running.";
  if (backend.state === "loading") return "Engine starting: no metrics yet.";
  return "No engine metrics yet.";
}

/** One backend at a glance: state, load and latency from its engine metrics, and its restarts. */
export function BackendCard({ backend, lastRestart, now, simulated }: { backend: BackendStatus; lastRestart: LastRestart | null; now: number; simulated: boolean }) {
  const engine = backend.engine;
  const stale = engine ? now - engine.at > 15_000 : false;
  const engineRestarts = backend.containerInfo?.restartCount ?? 0;
  return (
    <article className={`card${backend.inCurrentMode ? "" : " inactive"}`} data-testid={`backend-card-${backend.id}`} aria-labelledby={`backend-${backend.id}-name`}>
      <div className="card-header">
        <h3 id={`backend-${backend.id}-name`}>
          {backend.id}
          {simulated ? <SimulatedBadge what={`${backend.id}'s engine metrics`} testId={`backend-${backend.id}-simulated`} /> : null}
        </h3>
        <BackendStateBadge backend={backend} testId={`backend-${backend.id}-state`} />
      </div>
      <div className="muted small">
        {backend.servedModel} · GPU {backend.gpus.join(", ") || "none"}
      </div>
      {backend.stateReason ? <div className="small">{backend.stateReason}</div> : null}
      {backend.inCurrentMode ? (
        <dl className="stats" data-testid={`backend-${backend.id}-stats`}>
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
          {engine ? (
            <>
              <div>
                <dt>Running (engine)</dt>
                <dd data-testid={`backend-${backend.id}-running`}>{formatNumber(engine.running)}</dd>
              </div>
              <div>
                <dt>KV cache</dt>
                <dd>{formatFraction(engine.kvCacheUsage, 1)}</dd>
              </div>
              <div>
                <dt>Generation</dt>
                <dd data-testid={`backend-${backend.id}-generation`}>{formatTokensPerSecond(engine.generationTokensPerSecond)}</dd>
              </div>
              <div>
                <dt>TTFT p50 / p95</dt>
                <dd>
                  {formatDuration(engine.ttftP50Ms)} / {formatDuration(engine.ttftP95Ms)}
                </dd>
              </div>
            </>
          ) : null}
        </dl>
      ) : null}
      {backend.inCurrentMode && !engine ? (
        <div className="muted small" data-testid={`backend-${backend.id}-no-engine`}>
          {noEngineNote(backend)}
        </div>
      ) : null}
      {backend.inCurrentMode && stale ? <div className="muted small">No engine metrics for {formatDuration(now - engine!.at)}.</div> : null}
      <div className="muted small" style={{ marginTop: 6 }} data-testid={`backend-${backend.id}-last-restart`}>
        {lastRestart ? (
          <>
            {formatNumber(backend.restarts)} restart{backend.restarts === 1 ? "" : "s"} recorded; last {formatRelative(lastRestart.at, now)}: {lastRestart.reason}
          </>
        ) : backend.restarts > 0 ? (
          `${formatNumber(backend.restarts)} restart${backend.restarts === 1 ? "" : "s"} recorded.`
        ) : (
          "No restarts recorded."
        )}
        {/* Docker's own count: restarts by a restart policy, which Switchyard neither sets nor records. */}
        {engineRestarts > 0 ? ` · restarted ${formatNumber(engineRestarts)}× by the container engine` : ""}
      </div>
    </article>
  );
}
