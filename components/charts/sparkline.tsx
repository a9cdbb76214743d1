"use client";

import { Line, LineChart, ResponsiveContainer, XAxis, YAxis } from "recharts";

/** A tiny axis-less line for a card; `max` fixes the scale (100 % utilization, the power cap) so shapes compare. */
export function Sparkline({ rows, domain, max, color, label }: { rows: { t: number; value: number | null }[]; domain: [number, number]; max?: number; color: string; label: string }) {
  return (
    <div className="sparkline" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 2, right: 0, bottom: 2, left: 0 }}>
          <XAxis dataKey="t" type="number" domain={domain} hide allowDataOverflow />
          <YAxis domain={[0, max ?? "auto"]} hide />
          <Line type="linear" dataKey="value" stroke={color} strokeWidth={1.5} dot={false} connectNulls={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
