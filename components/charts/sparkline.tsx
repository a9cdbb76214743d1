"use client";

import { Line, LineChart, ResponsiveContainer, XAxis, YAxis } from "recharts";

/**
 * A tiny axis-less line for a card; `max` fixes the scale (100 % utilization, the power cap) so shapes compare. An
 * image to assistive technology (its label should say what it shows) and never a tab stop.
 */
export function Sparkline({ rows, domain, min, max, color, label }: { rows: { t: number; value: number | null }[]; domain: [number, number]; min?: number; max?: number; color: string; label: string }) {
  return (
    <div className="sparkline" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 2, right: 0, bottom: 2, left: 0 }} accessibilityLayer={false} tabIndex={-1}>
          <XAxis dataKey="t" type="number" domain={domain} hide allowDataOverflow />
          <YAxis domain={[min ?? 0, max ?? "auto"]} hide allowDataOverflow={min !== undefined} />
          <Line type="linear" dataKey="value" stroke={color} strokeWidth={1.5} dot={false} connectNulls={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
