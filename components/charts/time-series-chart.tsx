"use client";

import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCompact, formatTime, MISSING } from "@/components/ui/format";
import { timeTicks, type PreparedSeries } from "./prepare-series";

export interface SeriesSpec<K extends string> {
  key: K;
  label: string;
  color: string;
  dashed?: boolean;
}

/** Renders prepared series (see prepare-series.ts) as lines; nulls stay gaps. The legend doubles as a text summary. */
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
}: {
  title: string;
  data: PreparedSeries<K>;
  series: SeriesSpec<K>[];
  formatValue: (value: number | null) => string;
  /** Axis ticks are bare numbers (the unit is in the title) to keep the axis narrow. */
  formatTick?: (value: number) => string;
  yDomain?: [number | "auto" | "dataMax", number | "auto" | "dataMax"];
  reference?: { value: number; label: string };
  height?: number;
  testId?: string;
}) {
  const spanMs = data.domain[1] - data.domain[0];
  const tickFormat = (t: number) => formatAxisTime(t, spanMs);
  const latest = (key: K) => {
    for (let i = data.rows.length - 1; i >= 0; i--) {
      const value = data.rows[i]?.[key];
      if (typeof value === "number") return value;
    }
    return null;
  };
  return (
    <figure className="chart" data-testid={testId} aria-label={title} style={{ margin: 0 }}>
      <h4>{title}</h4>
      <div style={{ height }}>
        {data.rows.length === 0 ? (
          <p className="state empty">No data in this range.</p>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data.rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
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
              <YAxis width={40} domain={yDomain} tickFormatter={formatTick} stroke="var(--muted)" fontSize={11} />
              <Tooltip
                isAnimationActive={false}
                labelFormatter={(t) => (typeof t === "number" ? formatTime(t) : String(t))}
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
                  dot={false}
                  connectNulls={false}
                  isAnimationActive={false}
                />
              ))}
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

