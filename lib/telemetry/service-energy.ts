/** A power reading: epoch ms and watts (`null` when the GPU does not report power). */
export interface PowerPoint {
  at: number;
  powerDrawW: number | null;
}

export interface EnergyOptions {
  /** The sampling interval: a shorter window is priced at one reading, there is nothing to integrate. */
  intervalMs: number;
  /** Readings further than this from the window say nothing about it (telemetry was down). */
  maxGapMs: number;
}

const WATT_MS_PER_WH = 3_600_000;

/**
 * Energy of one GPU over [fromMs, toMs] in Wh, from its power readings: the area under power drawn as straight
 * lines between readings, held flat before the first and after the last (a request that ended a moment after the
 * last tick). A window shorter than one interval uses the latest reading at or before its end times the duration.
 * `null` when no reading lies within `maxGapMs` of the window.
 */
export function integrateEnergyWh(points: readonly PowerPoint[], fromMs: number, toMs: number, options: EnergyOptions): number | null {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) return null;
  const readings = points
    .filter((point): point is { at: number; powerDrawW: number } => point.powerDrawW !== null && Number.isFinite(point.powerDrawW))
    .sort((a, b) => a.at - b.at);
  const near = readings.filter((point) => point.at >= fromMs - options.maxGapMs && point.at <= toMs + options.maxGapMs);
  if (near.length === 0) return null;

  const durationMs = toMs - fromMs;
  if (durationMs < options.intervalMs) {
    const reading = [...near].reverse().find((point) => point.at <= toMs) ?? near[0];
    return reading ? (reading.powerDrawW * durationMs) / WATT_MS_PER_WH : null;
  }

  const powerAt = (t: number): number => {
    const first = near[0];
    const last = near[near.length - 1];
    if (!first || !last) return 0;
    if (t <= first.at) return first.powerDrawW;
    if (t >= last.at) return last.powerDrawW;
    for (let i = 1; i < near.length; i++) {
      const right = near[i];
      const left = near[i - 1];
      if (!right || !left || t > right.at) continue;
      const span = right.at - left.at;
      return span === 0 ? right.powerDrawW : left.powerDrawW + ((right.powerDrawW - left.powerDrawW) * (t - left.at)) / span;
    }
    return last.powerDrawW;
  };

  // Power is linear between consecutive breakpoints, so the trapezoid rule over them is exact.
  const breakpoints = [fromMs, ...near.map((point) => point.at).filter((at) => at > fromMs && at < toMs), toMs];
  let wattMs = 0;
  for (let i = 1; i < breakpoints.length; i++) {
    const a = breakpoints[i - 1] ?? fromMs;
    const b = breakpoints[i] ?? toMs;
    wattMs += ((powerAt(a) + powerAt(b)) / 2) * (b - a);
  }
  return wattMs / WATT_MS_PER_WH;
}
