"use client";

import { useCallback, useMemo, useState } from "react";
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCompact, formatTime, MISSING } from "@/components/ui/format";
import { yAxisWidth } from "./axis-width";
import { isIsolatedPoint } from "./isolated-points";
import { summarizeSeries } from "./chart-summary";
import { markerColor, markersAt, markerSummary } from "./chart-marker-style";
import type { ChartMarker } from "./chart-markers";
import { nearestTickIndex } from "./chart-sync";
import { timeTicks, type PreparedSeries } from "./prepare-series";
import { SyncedValues } from "./synced-values";
import { thinMarkers, thinningNote } from "./thin-markers";

const NO_MARKERS: readonly ChartMarker[] = [];
/** A chart the pointer is not on draws no tooltip box: only the crosshair, its active dots and SyncedValues. */
const NO_TOOLTIP_BOX = () => null;
/** The plot's right margin and a little air: the tooltip box is at most the plot's width. */
const TOOLTIP_SIDE_MARGIN_PX = 12;
/** The tooltip names at most this many markers at the hovered time (a month's chart can hold many per bucket). */
const TOOLTIP_MARKERS = 3;

export interface SeriesSpec<K extends string> {
  key: K;
  label: string;
  color: string;
  dashed?: boolean;
}

/**
 * Renders prepared series (see prepare-series.ts) as lines; nulls stay gaps. Lab markers (switches, restarts,
 * crashes; see chart-markers.ts) are drawn behind the lines, thinned when there are too many (thin-markers.ts), and
 * named in the tooltip; charts with the same `syncId` share one crosshair: the hovered chart shows the tooltip, the
 * others the crosshair, their active dots and their values at it (synced-values.tsx), so no tooltip covers another
 * chart. The legend doubles as a text summary; the SVG itself is out of the tab order.
 */
export function TimeSeriesChart<K extends string>({
  title,
  data,
  series,
  formatValue,
  formatTick = formatCompact,
  yDomain = [0, "auto"],
  reference,
  height = 140,
  testId,
  markers = NO_MARKERS,
  syncId,
  integer = false,
  unit,
}: {
  title: string;
  data: PreparedSeries<K>;
  series: SeriesSpec<K>[];
  formatValue: (value: number | null) => string;
  /** Axis ticks are bare numbers plus `unit`, to keep the axis narrow. */
  formatTick?: (value: number) => string;
  yDomain?: [number | "auto" | "dataMax", number | "auto" | "dataMax"];
  reference?: { value: number; label: string };
  height?: number;
  testId?: string;
  markers?: readonly ChartMarker[];
  /** Charts with the same id share the crosshair (the hovered time shows on each). */
  syncId?: string;
  /** A count (requests running, waiting): whole-number ticks only. */
  integer?: boolean;
  /** Shown on the y axis's ticks ("%", " W"). */
  unit?: string;
}) {
  const spanMs = data.domain[1] - data.domain[0];
  // Whether the pointer is on this chart (rather than on another one sharing its crosshair).
  const [hovered, setHovered] = useState(false);
  const thinned = useMemo(() => thinMarkers(markers, data.domain), [markers, data.domain]);
  const thinning = thinningNote(thinned);
  const syncMethod = useCallback((ticks: Parameters<typeof nearestTickIndex>[0], mouse: { activeLabel?: unknown }) => nearestTickIndex(ticks, mouse.activeLabel, data.bucketMs * 1.5), [data.bucketMs]);
  const tickFormat = (t: number) => formatAxisTime(t, spanMs);
  // An instant marker matches a hovered bucket it falls in.
  const markerTolerance = data.bucketMs;
  const latest = (key: K) => {
    for (let i = data.rows.length - 1; i >= 0; i--) {
      const value = data.rows[i]?.[key];
      if (typeof value === "number") return value;
    }
    return null;
  };
  return (
    <figure className="chart" data-testid={testId} data-markers={markers.length} data-markers-drawn={thinned.drawn.length} aria-label={title} style={{ margin: 0 }}>
      <h4>{title}</h4>
      {/* The drawing is for the eye: out of the tab order and hidden from screen readers, which read the summary. */}
      <p className="visually-hidden">{summarizeSeries(data.rows, series, formatValue)}</p>
      <div style={{ height }} aria-hidden="true" onPointerEnter={() => setHovered(true)} onPointerLeave={() => setHovered(false)}>
        {data.rows.length === 0 ? (
          <p className="state empty">No data in this range.</p>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart
              data={data.rows}
              margin={{ top: 4, right: 8, bottom: 0, left: 0 }}
              accessibilityLayer={false}
              tabIndex={-1}
              syncId={syncId}
              syncMethod={syncMethod}
            >
              <CartesianGrid stroke="var(--chart-grid)" vertical={false} />
              <XAxis
                dataKey="t"
                type="number"
                scale="time"
                domain={data.domain}
                ticks={timeTicks(data.domain)}
                tickFormatter={tickFormat}
                stroke="var(--muted)"
                fontSize={11}
                allowDataOverflow
              />
              <YAxis width={yAxisWidth(unit)} domain={yDomain} tickFormatter={formatTick} unit={unit} allowDecimals={!integer} stroke="var(--muted)" fontSize={11} />
              {thinned.drawn.map((m) =>
                m.to > m.from ? (
                  <ReferenceArea key={m.id} className={`chart-marker chart-marker-${m.kind}`} x1={m.from} x2={m.to} fill={markerColor(m)} fillOpacity={0.18} stroke={markerColor(m)} strokeOpacity={0.5} ifOverflow="hidden" />
                ) : (
                  <ReferenceLine key={m.id} className={`chart-marker chart-marker-${m.kind}`} x={m.from} stroke={markerColor(m)} strokeWidth={1.5} strokeDasharray="3 2" ifOverflow="hidden" />
                ),
              )}
              <Tooltip
                isAnimationActive={false}
                content={hovered ? undefined : NO_TOOLTIP_BOX}
                // A marker's label ("restart qwen-7b: requested by console (succeeded)") is longer than a narrow chart:
                // the box wraps at the plot's width instead of reaching over the next chart.
                wrapperStyle={{ maxWidth: `calc(100% - ${yAxisWidth(unit) + TOOLTIP_SIDE_MARGIN_PX}px)` }}
                contentStyle={{ whiteSpace: "normal" }}
                labelFormatter={(t) => {
                  if (typeof t !== "number") return String(t);
                  const here = markersAt(markers, t, markerTolerance);
                  return (
                    <>
                      {formatTime(t)}
                      {here.slice(0, TOOLTIP_MARKERS).map((m) => (
                        <span key={m.id} style={{ display: "block", color: markerColor(m), fontWeight: 600 }}>
                          {m.label}
                        </span>
                      ))}
                      {here.length > TOOLTIP_MARKERS ? <span style={{ display: "block" }}>and {here.length - TOOLTIP_MARKERS} more</span> : null}
                    </>
                  );
                }}
                formatter={(value, name) => [typeof value === "number" ? formatValue(value) : MISSING, name]}
              />
              {reference ? <ReferenceLine y={reference.value} stroke="var(--bad)" strokeDasharray="2 3" label={{ value: reference.label, fontSize: 10, fill: "var(--muted)", position: "insideTopRight" }} /> : null}
              {series.map((s) => (
                <Line
                  key={s.key}
                  type="linear"
                  dataKey={s.key}
                  name={s.label}
                  stroke={s.color}
                  strokeWidth={1.5}
                  strokeDasharray={s.dashed ? "4 3" : undefined}
                  dot={({ index, cx, cy }) => (isIsolatedPoint(data.rows, s.key, index) && cx !== undefined && cy !== undefined ? <circle key={index} cx={cx} cy={cy} r={2.5} fill={s.color} /> : null)}
                  connectNulls={false}
                  isAnimationActive={false}
                />
              ))}
              {hovered ? null : <SyncedValues series={series} formatValue={formatValue} />}
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
      <figcaption className="chart-legend small">
        {series.map((s) => (
          <span key={s.key}>
            <span className="legend-swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.label} <strong>{formatValue(latest(s.key))}</strong>
          </span>
        ))}
        {markers.length > 0 ? (
          <span className="muted">
            {markerSummary(markers)}
            {thinning ? ` (${thinning})` : ""}
          </span>
        ) : null}
      </figcaption>
    </figure>
  );
}

/** Clock times for short ranges, weekday and time for a week. */
export function formatAxisTime(t: number, spanMs: number): string {
  const date = new Date(t);
  if (spanMs > 2 * 86_400_000) return date.toLocaleString(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false });
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
}
