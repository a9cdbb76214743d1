/**
 * A chart in words, for screen readers (the drawing itself is hidden from them and out of the tab order): for each
 * series its latest value and its range over the rows shown.
 */
export function summarizeSeries<K extends string>(
  rows: readonly Partial<Record<K, number | null>>[],
  series: readonly { key: K; label: string }[],
  formatValue: (value: number | null) => string,
): string {
  if (rows.length === 0) return "No data in this range.";
  return series
    .map(({ key, label }) => {
      const values = rows.map((row) => row[key]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      if (values.length === 0) return `${label}: no data.`;
      return `${label}: latest ${formatValue(values.at(-1)!)}, lowest ${formatValue(Math.min(...values))}, highest ${formatValue(Math.max(...values))}.`;
    })
    .join(" ");
}
