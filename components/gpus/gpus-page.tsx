"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense, useMemo } from "react";
import { chartMarkers } from "@/components/charts/chart-markers";
import { parseHistoryRange, withHistoryRange } from "@/components/charts/url-state";
import { HISTORY_RANGE_SPAN_MS, HISTORY_RANGES, type HistoryRange } from "@/components/hooks/api-types";
import { useChartMarkerSources } from "@/components/hooks/queries/use-chart-marker-sources";
import { useGpuHistoryQuery } from "@/components/hooks/queries/use-gpu-history-query";
import { useStatusQuery } from "@/components/hooks/queries/use-status-query";
import { BackendStateBadge, SimulatedBadge } from "@/components/ui/badges";
import { simulationOf } from "@/components/ui/simulation";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { ToggleGroup } from "@/components/ui/toggle-group";
import { EngineHistoryCharts } from "./engine-history-charts";
import { GpuHistoryCharts } from "./gpu-history-charts";
import { GpuLiveValues } from "./gpu-live-values";
import { MarkerLegend } from "./marker-legend";

/** Every chart of the page shares one crosshair. */
const SYNC_ID = "gpus-page";

/** Each GPU's history beside the vLLM engines running on it, over 15 minutes to 7 days (the range is in the URL). */
export function GpusPage() {
  // useSearchParams needs a boundary: the page is prerendered without the URL's query.
  return (
    <Suspense fallback={<Loading label="Loading the GPUs…" />}>
      <GpusPageContent />
    </Suspense>
  );
}

function GpusPageContent() {
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const range = parseHistoryRange(searchParams.get("range"));
  const setRange = (next: HistoryRange) => router.push(`${pathname}${withHistoryRange(searchParams.toString(), next)}`, { scroll: false });
  const history = useGpuHistoryQuery(range);
  const { data: status } = useStatusQuery();
  const spanMs = HISTORY_RANGE_SPAN_MS[range];
  const markerSources = useChartMarkerSources(spanMs);
  const simulated = simulationOf(status);

  const gpuIndexes = [...new Set([...(history.data?.gpus.map((g) => g.gpuIndex) ?? []), ...(status?.gpus.map((g) => g.index) ?? [])])].sort((a, b) => a - b);
  const historyUpdatedAt = history.data ? history.dataUpdatedAt : null;
  const pageMarkers = useMemo(
    () => (historyUpdatedAt === null ? [] : chartMarkers({ ...markerSources, domain: [historyUpdatedAt - spanMs, historyUpdatedAt], now: historyUpdatedAt })),
    [markerSources, historyUpdatedAt, spanMs],
  );
  return (
    <>
      <div className="page-header">
        <h1>GPUs</h1>
        <ToggleGroup label="Time range" options={HISTORY_RANGES} value={range} onChange={setRange} />
      </div>
      {history.error && !history.data ? <ErrorState title="Cannot read the GPU history" error={history.error} onRetry={() => void history.refetch()} /> : null}
      {gpuIndexes.length === 0 && (history.data || status) ? (
        <Empty>
          No GPU telemetry{status ? ` (${status.gpuTelemetry.source}: ${status.gpuTelemetry.state}${status.gpuTelemetry.reason ? `, ${status.gpuTelemetry.reason}` : ""})` : ""}.
        </Empty>
      ) : null}
      {gpuIndexes.length === 0 && !history.data && !status ? <Loading label="Loading the GPUs…" /> : null}
      {pageMarkers.length > 0 ? <MarkerLegend markers={pageMarkers} complete={markerSources.complete} /> : null}
      {gpuIndexes.map((index) => {
        const sample = status?.gpus.find((g) => g.index === index);
        const backendsHere = status?.backends.filter((b) => b.gpus.includes(index)) ?? [];
        const active = backendsHere.filter((b) => b.inCurrentMode);
        // An engine over several GPUs is charted once, under its first GPU; the others point to it.
        const chartedHere = active.filter((b) => Math.min(...b.gpus) === index);
        const chartedElsewhere = active.filter((b) => Math.min(...b.gpus) !== index);
        return (
          <section key={index} className="panel" aria-labelledby={`gpu-${index}-heading`} data-testid={`gpu-history-${index}`}>
            <div className="page-header" style={{ marginBottom: 6 }}>
              <h2 id={`gpu-${index}-heading`} style={{ margin: 0 }}>
                GPU {index} <span className="muted small">{sample?.name ?? ""}</span>
                {simulated.gpus ? <SimulatedBadge what={`GPU ${index}'s history`} testId={`gpu-${index}-simulated`} /> : null}
              </h2>
              <div className="toolbar small">
                {backendsHere.map((b) => (
                  <span key={b.id}>
                    {b.id} <BackendStateBadge backend={b} />
                    {simulated.engines ? <SimulatedBadge what={`${b.id}'s engine history`} /> : null}
                  </span>
                ))}
              </div>
            </div>
            <GpuLiveValues sample={sample} />
            <div className="gpu-section">
              <div>
                {history.data ? (
                  <GpuHistoryCharts
                    gpuIndex={index}
                    points={history.data.gpus.find((g) => g.gpuIndex === index)?.points ?? []}
                    spanMs={spanMs}
                    sourceBucketMs={history.data.bucketMs}
                    now={history.dataUpdatedAt}
                    markerSources={markerSources}
                    backendIds={backendsHere.map((b) => b.id).join(",")}
                    syncId={SYNC_ID}
                  />
                ) : history.isPending ? (
                  <Loading label={`Loading GPU ${index}'s history…`} />
                ) : null}
              </div>
              <div>
                {active.length === 0 ? <Empty>No backend of the current mode runs on this GPU.</Empty> : null}
                {chartedElsewhere.map((b) => (
                  <p key={b.id} className="muted small" data-testid={`engine-charted-elsewhere-${b.id}`}>
                    {b.id} spans GPUs {b.gpus.join(" and ")}: its engine is charted once, under GPU {Math.min(...b.gpus)}.
                  </p>
                ))}
                {chartedHere.map((b) => (
                  <EngineHistoryCharts key={b.id} backendId={b.id} generates={b.kind === "chat"} gpus={b.gpus} range={range} markerSources={markerSources} syncId={SYNC_ID} />
                ))}
              </div>
            </div>
          </section>
        );
      })}
    </>
  );
}
