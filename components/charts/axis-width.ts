// The y axis's width in pixels. Recharts breaks a tick label that is wider than its axis at the space
// ("24 GiB" became "24" over "GiB", the top one cut off by the chart's edge), so an axis whose unit is long gets
// room for its longest label: a compact number (formatCompact: "360", "1.1k", "0.07") and the unit.

/** What the narrowest axis holds at 11 px: five characters ("360 W", "100%"). */
const BASE_WIDTH_PX = 46;
const BASE_CHARS = 5;
/** A compact number is at most this long. */
const NUMBER_CHARS = 4;
/** An average character of the 11 px axis font, generously. */
const CHAR_PX = 7;

export function yAxisWidth(unit: string | undefined): number {
  const extra = NUMBER_CHARS + (unit?.length ?? 0) - BASE_CHARS;
  return BASE_WIDTH_PX + Math.max(0, extra) * CHAR_PX;
}
