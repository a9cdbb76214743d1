import { markerColor } from "@/components/charts/chart-marker-style";
import type { ChartMarker } from "@/components/charts/chart-markers";
import { MARKER_EVENTS_CAP, MARKER_OPERATIONS_CAP } from "@/components/hooks/queries/use-chart-marker-sources";
import { formatNumber, formatTime } from "@/components/ui/format";

/**
 * What the shaded areas and lines on the page's charts are: each marker in the range, oldest first. `complete` is
 * false when the range held more operations or events than the console reads (the newest are marked).
 */
export function MarkerLegend({ markers, complete }: { markers: readonly ChartMarker[]; complete: boolean }) {
  return (
    <details className="panel small" data-testid="chart-markers-legend" open={markers.length <= 5}>
      <summary>
        Marked on the charts: {markers.length} event{markers.length === 1 ? "" : "s"} (shaded: mode switches and restarts, from start to end; dashed lines: crashes)
        {complete ? null : (
          <span data-testid="chart-markers-incomplete">
            {" "}
            More happened in this range than the console reads (the newest {formatNumber(MARKER_OPERATIONS_CAP)} operations and {formatNumber(MARKER_EVENTS_CAP)} events): older ones are not marked.
          </span>
        )}
      </summary>
      <ul style={{ margin: "6px 0 0", paddingLeft: 18 }}>
        {markers.map((m) => (
          <li key={m.id} data-testid={`chart-marker-${m.kind}`}>
            <span className="legend-swatch" style={{ background: markerColor(m) }} aria-hidden="true" /> {formatTime(m.from)}
            {m.to > m.from ? `–${formatTime(m.to)}` : ""} {m.label}
          </li>
        ))}
      </ul>
    </details>
  );
}
