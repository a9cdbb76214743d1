import type { GpuSample } from "@/components/hooks/api-types";
import { formatCelsius, formatMemoryMiB, formatPercent, formatTime, formatWatts } from "@/components/ui/format";

/** A GPU's current values from the live status, shown at once (the history charts fill in when they load). */
export function GpuLiveValues({ sample }: { sample: GpuSample | undefined }) {
  if (!sample) return null;
  return (
    <dl className="stats" data-testid={`gpu-${sample.index}-live`} aria-label={`GPU ${sample.index} now`}>
      <div>
        <dt>Utilization</dt>
        <dd>{formatPercent(sample.utilizationPct)}</dd>
      </div>
      <div>
        <dt>Memory</dt>
        <dd>
          {formatMemoryMiB(sample.memoryUsedMiB)} / {formatMemoryMiB(sample.memoryTotalMiB)}
        </dd>
      </div>
      <div>
        <dt>Power</dt>
        <dd>
          {formatWatts(sample.powerDrawW)} / {formatWatts(sample.powerLimitW)}
        </dd>
      </div>
      <div>
        <dt>Temperature</dt>
        <dd>{formatCelsius(sample.temperatureC)}</dd>
      </div>
      <div>
        <dt>Sampled</dt>
        <dd>{formatTime(sample.at)}</dd>
      </div>
    </dl>
  );
}
