"use client";

import { withRecentHistory } from "@/components/charts/gpu-series";
import { useGpuHistoryQuery } from "@/components/hooks/queries/use-gpu-history-query";
import { useModeSwitchesQuery } from "@/components/hooks/queries/use-mode-switches-query";
import { useStatusQuery } from "@/components/hooks/queries/use-status-query";
import { useLive, useLiveConnection } from "@/components/live/live-events-provider";
import { simulationOf } from "@/components/ui/simulation";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { useNow } from "@/components/ui/use-now";
import { BackendCard } from "./backend-card";
import { findDegradations } from "./degradations";
import { GatewaySummary } from "./gateway-summary";
import { GpuCard } from "./gpu-card";
import { HealthStrip } from "./health-strip";
import { lastRestartOf } from "./last-restart";
import { ModeSwitcher } from "./mode-switcher";

/** The lab at a glance, for a second screen: the verdict and what is wrong, the mode, the gateway, every backend, every GPU. */
export function OverviewPage() {
  const { data: status, error, isPending, refetch } = useStatusQuery();
  const connection = useLiveConnection();
  const liveSamples = useLive((live) => live.gpuSamples);
  const recentHistory = useGpuHistoryQuery("15m", { refetch: false });
  const restarts = useModeSwitchesQuery("restart", 50);
  const now = useNow(1_000);

  if (isPending) return <Loading label="Loading the lab's status…" />;
  if (error && !status) return <ErrorState title="Cannot read the lab's status" error={error} onRetry={() => void refetch()} />;
  if (!status) return null;

  const degradations = findDegradations(status, connection);
  const restartRows = restarts.data?.pages.flatMap((p) => p.rows) ?? [];
  const simulated = simulationOf(status);
  const backends = [...status.backends].sort((a, b) => Number(b.inCurrentMode) - Number(a.inCurrentMode));
  return (
    <>
      <div className="page-header">
        <h1>Overview</h1>
      </div>
      <HealthStrip />
      {degradations.length > 0 ? (
        <div className="banners" data-testid="degraded-banner">
          {degradations.map((d) => (
            <div key={d.id} className={`banner ${d.severity === "error" ? "error" : d.severity === "info" ? "info" : ""}`} role={d.severity === "error" ? "alert" : "status"}>
              {d.message}
            </div>
          ))}
        </div>
      ) : null}
      <ModeSwitcher status={status} />
      <GatewaySummary />
      <h2>Backends</h2>
      {restarts.error ? <ErrorState title="Cannot read the restart history" error={restarts.error} /> : null}
      <section className="cards" aria-label="Backends">
        {backends.map((backend) => (
          <BackendCard key={backend.id} backend={backend} now={now} lastRestart={lastRestartOf(backend.id, restartRows)} simulated={simulated.engines} />
        ))}
      </section>
      <h2>GPUs</h2>
      {status.gpus.length === 0 ? (
        <Empty>
          No GPU samples{status.gpuTelemetry.state !== "running" ? ` (telemetry ${status.gpuTelemetry.state}${status.gpuTelemetry.reason ? `: ${status.gpuTelemetry.reason}` : ""})` : " yet"}.
        </Empty>
      ) : (
        <section className="cards gpu-cards" aria-label="GPUs">
          {status.gpus.map((sample) => (
            <GpuCard key={sample.index} sample={sample} history={withRecentHistory(recentHistory.data?.gpus.find((g) => g.gpuIndex === sample.index)?.points ?? [], liveSamples[sample.index] ?? [])} backends={status.backends} now={now} simulated={simulated.gpus} />
          ))}
        </section>
      )}
      <p className="muted small" style={{ marginTop: 16 }} data-testid="overview-footer">
        Request log: {status.requestLog.written.toLocaleString("en-US")} rows written since start, {status.requestLog.queued} queued, {status.requestLog.dropped} dropped · config{" "}
        <code>{status.configPath}</code> · runtime {status.runtime.kind}
      </p>
    </>
  );
}
