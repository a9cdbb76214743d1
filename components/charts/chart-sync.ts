/**
 * The shared crosshair: charts of one page share a recharts `syncId`, and each one shows the point nearest to the
 * hovered time. Matching by index would be wrong (the GPU and engine histories have different rows) and matching
 * by exact value misses whenever the buckets differ, so a chart picks its nearest tick, or none when the hovered
 * time falls in a gap of its own data.
 */
export function nearestTickIndex(ticks: readonly { value: unknown }[], label: unknown, maxDistance: number): number {
  const wanted = Number(label);
  if (!Number.isFinite(wanted)) return -1;
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  ticks.forEach((tick, i) => {
    const distance = Math.abs(Number(tick.value) - wanted);
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  });
  return bestDistance <= maxDistance ? best : -1;
}
