import { Sparkline } from "@/components/charts/sparkline";
import { prepareSparkline } from "@/components/charts/gpu-series";
import type { SparklineKey, SparklineSample } from "@/components/charts/gpu-series";
import type { BackendStatus, GpuSample } from "@/components/hooks/api-types";
import { formatCelsius, formatMemoryMiB, formatPercent, formatTime, formatWatts } from "@/components/ui/format";
import { SimulatedBadge } from "@/components/ui/badges";
import { Meter } from "@/components/ui/meter";
import { TEMPERATURE_CRITICAL_C, TEMPERATURE_SCALE_C, TEMPERATURE_WARN_C, temperatureTone, temperatureToneWord } from "./gpu-thresholds";

/** The 3090s are capped at 350 W; a GPU that does not report its limit is measured against that. */
export const DEFAULT_POWER_CAP_W = 350;
const SPARKLINE_WINDOW_MS = 2 * 60_000;

/** One GPU now (from the latest sample) and over the last two minutes (recent history, then live samples). */
export function GpuCard({ sample, history, backends, now, simulated }: { sample: GpuSample; history: readonly SparklineSample[]; backends: BackendStatus[]; now: number; simulated: boolean }) {
  const i = sample.index;
  const cap = sample.powerLimitW ?? DEFAULT_POWER_CAP_W;
  const memoryTotal = sample.memoryTotalMiB;
  const serving = backends.filter((b) => b.inCurrentMode && b.gpus.includes(i)).map((b) => b.id);
  const tone = temperatureTone(sample.temperatureC);
  const toneWord = temperatureToneWord(tone);
  const line = (key: SparklineKey) => prepareSparkline(history, key, { now, windowMs: SPARKLINE_WINDOW_MS });
  return (
    <article className="card gpu-card" data-testid={`gpu-card-${i}`} aria-labelledby={`gpu-${i}-name`}>
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
      <div className="gpu-metrics">
        <GpuMetric
          label="Utilization"
          testId={`gpu-${i}-utilization`}
          value={formatPercent(sample.utilizationPct)}
          meter={<Meter value={sample.utilizationPct} max={100} label={`GPU ${i} utilization`} warnings={false} />}
          line={line("utilizationPct")}
          scale={[0, 100]}
          formatScale={(v) => formatPercent(v)}
          color="var(--chart-1)"
          what={`GPU ${i} utilization`}
        />
        {/* vLLM reserves most of a GPU's memory up front (gpu_memory_utilization): a full bar is normal, so no warning colours. */}
        <GpuMetric
          label="Memory"
          testId={`gpu-${i}-memory`}
          value={`${formatMemoryMiB(sample.memoryUsedMiB)} / ${formatMemoryMiB(memoryTotal)}`}
          meter={<Meter value={sample.memoryUsedMiB} max={memoryTotal} label={`GPU ${i} memory used`} warnings={false} />}
          line={line("memoryUsedMiB")}
          scale={[0, memoryTotal ?? 0]}
          formatScale={(v) => formatMemoryMiB(v)}
          color="var(--chart-5)"
          what={`GPU ${i} memory used`}
        />
        <GpuMetric
          label="Power / cap"
          testId={`gpu-${i}-power`}
          value={`${formatWatts(sample.powerDrawW)} / ${formatWatts(cap)}`}
          meter={<Meter value={sample.powerDrawW} max={cap} label={`GPU ${i} power against its ${formatWatts(cap)} cap`} />}
          line={line("powerDrawW")}
          scale={[0, cap]}
          formatScale={(v) => formatWatts(v)}
          color="var(--chart-2)"
          what={`GPU ${i} power`}
        />
        <GpuMetric
          label="Temperature"
          testId={`gpu-${i}-temperature`}
          value={
            <>
              {formatCelsius(sample.temperatureC)}
              {toneWord ? <span className={`temp-word tone-${tone}`}> {toneWord}</span> : null}
            </>
          }
          valueClass={`temp-${tone}`}
          meter={
            <div className="muted small" title={`Amber from ${TEMPERATURE_WARN_C} °C, red from ${TEMPERATURE_CRITICAL_C} °C`}>
              warn {TEMPERATURE_WARN_C} °C · critical {TEMPERATURE_CRITICAL_C} °C
            </div>
          }
          line={line("temperatureC")}
          scale={TEMPERATURE_SCALE_C}
          formatScale={(v) => formatCelsius(v)}
          color="var(--chart-4)"
          what={`GPU ${i} temperature`}
        />
      </div>
    </article>
  );
}

/** One reading: label, value now, a gauge, and the last two minutes on a stated scale (top and bottom labelled). */
function GpuMetric({
  label,
  testId,
  value,
  valueClass,
  meter,
  line,
  scale,
  formatScale,
  color,
  what,
}: {
  label: string;
  testId: string;
  value: React.ReactNode;
  valueClass?: string;
  meter: React.ReactNode;
  line: ReturnType<typeof prepareSparkline>;
  scale: [number, number];
  formatScale: (value: number) => string;
  color: string;
  what: string;
}) {
  const values = line.rows.map((r) => r.value).filter((v): v is number => typeof v === "number");
  const range = values.length > 0 ? `from ${formatScale(Math.min(...values))} to ${formatScale(Math.max(...values))}` : "no samples";
  return (
    <div className="gpu-metric">
      <div className="gpu-metric-head">
        <span className="gpu-metric-label">{label}</span>
        <span className={`gpu-metric-value ${valueClass ?? ""}`} data-testid={testId}>
          {value}
        </span>
      </div>
      {meter}
      <div className="scaled-sparkline">
        <div className="sparkline-scale" aria-hidden="true">
          <span>{formatScale(scale[1])}</span>
          <span>{formatScale(scale[0])}</span>
        </div>
        <Sparkline rows={line.rows} domain={line.domain} min={scale[0]} max={scale[1]} color={color} label={`${what}, last 2 minutes: ${range}`} />
      </div>
      <div className="sparkline-time muted" aria-hidden="true">
        <span>2 min ago</span>
        <span>now</span>
      </div>
    </div>
  );
}
