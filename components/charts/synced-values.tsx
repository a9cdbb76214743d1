"use client";

import { Fragment } from "react";
import { useActiveTooltipCoordinate, useActiveTooltipDataPoints, useIsTooltipActive, usePlotArea } from "recharts";

/** More values than this would not fit a chart a quarter of the page wide; the hovered chart's tooltip has them all. */
const MAX_VALUES = 4;

/**
 * The shared crosshair on a chart that is not the one hovered: its values at the crosshair, small, at the top of its
 * own plot area on the side away from the crosshair, in the series' colours (the caption names them). Only the
 * hovered chart shows a full tooltip, so stacked charts never cover each other or the next chart's title.
 * Rendered inside the recharts chart (it reads the chart's tooltip state).
 */
export function SyncedValues<K extends string>({
  series,
  formatValue,
}: {
  series: readonly { key: K; color: string }[];
  formatValue: (value: number | null) => string;
}) {
  const active = useIsTooltipActive();
  const points = useActiveTooltipDataPoints<Partial<Record<K, number | null>>>();
  const plot = usePlotArea();
  const crosshair = useActiveTooltipCoordinate();
  const row = points?.[0];
  if (!active || !row || !plot || !crosshair) return null;
  const atRight = crosshair.x < plot.x + plot.width / 2;
  const shown = series.slice(0, MAX_VALUES);
  return (
    <text
      className="chart-synced-values"
      x={atRight ? plot.x + plot.width - 4 : plot.x + 4}
      y={plot.y + 11}
      textAnchor={atRight ? "end" : "start"}
      fontSize={11}
      fontWeight={600}
      // A halo in the panel's colour keeps the numbers legible over the grid and the lines.
      style={{ paintOrder: "stroke", stroke: "var(--panel)", strokeWidth: 3, strokeLinejoin: "round", pointerEvents: "none" }}
    >
      {shown.map((s, i) => {
        const value = row[s.key];
        return (
          <Fragment key={s.key}>
            {i > 0 ? <tspan style={{ fill: "var(--muted)" }}> · </tspan> : null}
            <tspan style={{ fill: s.color }}>{formatValue(typeof value === "number" ? value : null)}</tspan>
          </Fragment>
        );
      })}
      {series.length > shown.length ? <tspan style={{ fill: "var(--muted)" }}> …</tspan> : null}
    </text>
  );
}
