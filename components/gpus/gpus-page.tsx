"use client";

import { useState } from "react";
import { HISTORY_RANGE_SPAN_MS, HISTORY_RANGES, type HistoryRange } from "@/components/hooks/api-types";
import { useGpuHistoryQuery } from "@/components/hooks/queries/use-gpu-history-query";
import { useStatusQuery } from "@/components/hooks/queries/use-status-query";
import { SimulatedBadge, StateBadge } from "@/components/ui/badges";
import { simulationOf } from "@/components/ui/simulation";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { ToggleGroup } from "@/components/ui/toggle-group";
import { EngineHistoryCharts } from "./engine-history-charts";
import { GpuHistoryCharts } from "./gpu-history-charts";

/** Each GPU's history beside the vLLM engines running on it, over 15 minutes to 7 days. */
export function GpusPage() {
  const [range, setRange] = useState<HistoryRange>("15m");
  const history = useGpuHistoryQuery(range);
  const { data: status } = useStatusQuery();
  const simulated = simulationOf(status);

  const gpuIndexes = [...new Set([...(history.data?.gpus.map((g) => g.gpuIndex) ?? []), ...(status?.gpus.map((g) => g.index) ?? [])])].sort((a, b) => a - b);
  return (
    <>
      <div className="page-header">
        <h1>GPUs</h1>
        <ToggleGroup label="Time range" options={HISTORY_RANGES} value={range} onChange={setRange} />
      </div>
      {history.isPending ? <Loading label="Loading GPU history…" /> : null}
      {history.error && !history.data ? <ErrorState title="Cannot read the GPU history" error={history.error} onRetry={() => void history.refetch()} /> : null}
      {history.data && gpuIndexes.length === 0 ? (
        <Empty>
          No GPU telemetry{status ? ` (${status.gpuTelemetry.source}: ${status.gpuTelemetry.state}${status.gpuTelemetry.reason ? `, ${status.gpuTelemetry.reason}` : ""})` : ""}.
        </Empty>
      ) : null}
      {history.data
        ? gpuIndexes.map((index) => {
            const sample = status?.gpus.find((g) => g.index === index);
            const backendsHere = status?.backends.filter((b) => b.gpus.includes(index)) ?? [];
            const active = backendsHere.filter((b) => b.inCurrentMode);
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
                        {b.id} <StateBadge state={b.inCurrentMode || b.state !== "stopped" ? b.state : "not in this mode"} />
                        {simulated.engines ? <SimulatedBadge what={`${b.id}'s engine history`} /> : null}
                      </span>
                    ))}
                  </div>
                </div>
                <div className="gpu-section">
                  <div>
                    <GpuHistoryCharts
                      gpuIndex={index}
                      points={history.data.gpus.find((g) => g.gpuIndex === index)?.points ?? []}
                      spanMs={HISTORY_RANGE_SPAN_MS[range]}
                      sourceBucketMs={history.data.bucketMs}
                      now={history.dataUpdatedAt}
                    />
                  </div>
                  <div>
                    {active.length === 0 ? <Empty>No backend of the current mode runs on this GPU.</Empty> : null}
                    {active.map((b) => (
                      <EngineHistoryCharts key={b.id} backendId={b.id} range={range} />
                    ))}
                  </div>
                </div>
              </section>
            );
          })
        : null}
    </>
  );
}
