import { Sparkline } from "@/components/charts/sparkline";
import { prepareSparkline } from "@/components/charts/gpu-series";
import type { SparklineSample } from "@/components/charts/gpu-series";
import type { BackendStatus, GpuSample } from "@/components/hooks/api-types";
import { formatCelsius, formatMemoryMiB, formatPercent, formatTime, formatWatts } from "@/components/ui/format";
import { SimulatedBadge } from "@/components/ui/badges";
import { Meter } from "@/components/ui/meter";

/** The 3090s are capped at 350 W; a GPU that does not report its limit is measured against that. */
export const DEFAULT_POWER_CAP_W = 350;
const SPARKLINE_WINDOW_MS = 2 * 60_000;

// vLLM reserves most of a GPU's memory up front (gpu_memory_utilization), so a full memory bar is normal: no warning colours.

/** One GPU now (from the latest sample) and over the last two minutes (recent history, then live samples). */
export function GpuCard({ sample, history, backends, now, simulated }: { sample: GpuSample; history: readonly SparklineSample[]; backends: BackendStatus[]; now: number; simulated: boolean }) {
  const i = sample.index;
  const cap = sample.powerLimitW ?? DEFAULT_POWER_CAP_W;
  const utilization = prepareSparkline(history, "utilizationPct", { now, windowMs: SPARKLINE_WINDOW_MS });
  const power = prepareSparkline(history, "powerDrawW", { now, windowMs: SPARKLINE_WINDOW_MS });
  const serving = backends.filter((b) => b.inCurrentMode && b.gpus.includes(i)).map((b) => b.id);
  return (
    <article className="card" data-testid={`gpu-card-${i}`} aria-labelledby={`gpu-${i}-name`}>
      <div className="card-header">
        <h3 id={`gpu-${i}-name`}>
          GPU {i}
          {simulated ? <SimulatedBadge what={`GPU ${i}'s utilization, memory, power and temperature`} testId={`gpu-${i}-simulated`} /> : null}
        </h3>
        <span className="muted small" data-testid={`gpu-${i}-updated`}>
          {formatTime(sample.at)}
        </span>
      </div>
      <div className="muted small">
        {sample.name ?? "GPU"} · {serving.length > 0 ? serving.join(", ") : "no backend in this mode"}
      </div>
      <dl className="stats">
        <div>
          <dt>Utilization</dt>
          <dd data-testid={`gpu-${i}-utilization`}>{formatPercent(sample.utilizationPct)}</dd>
        </div>
        <div>
          <dt>Power</dt>
          <dd data-testid={`gpu-${i}-power`}>
            {formatWatts(sample.powerDrawW)} / {formatWatts(cap)}
          </dd>
        </div>
        <div>
          <dt>Memory</dt>
          <dd data-testid={`gpu-${i}-memory`}>
            {formatMemoryMiB(sample.memoryUsedMiB)} / {formatMemoryMiB(sample.memoryTotalMiB)}
          </dd>
        </div>
        <div>
          <dt>Temperature</dt>
          <dd data-testid={`gpu-${i}-temperature`}>{formatCelsius(sample.temperatureC)}</dd>
        </div>
      </dl>
      <Meter value={sample.memoryUsedMiB} max={sample.memoryTotalMiB} label={`GPU ${i} memory used`} warnings={false} />
      <div className="small muted">Utilization, last 2 min</div>
      <Sparkline rows={utilization.rows} domain={utilization.domain} max={100} color="var(--chart-1)" label={`GPU ${i} utilization over the last two minutes`} />
      <div className="small muted">Power vs {formatWatts(cap)} cap</div>
      <Meter value={sample.powerDrawW} max={cap} label={`GPU ${i} power against its cap`} />
      <Sparkline rows={power.rows} domain={power.domain} max={cap} color="var(--chart-2)" label={`GPU ${i} power over the last two minutes`} />
    </article>
  );
}
