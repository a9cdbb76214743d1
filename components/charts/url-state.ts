import { HISTORY_RANGES, type HistoryRange } from "@/components/hooks/api-types";

/** Chart ranges in the URL (`?range=1h`): an unknown or missing value is the default, never an error page. */
export const DEFAULT_HISTORY_RANGE: HistoryRange = "15m";

export function parseHistoryRange(value: string | null | undefined): HistoryRange {
  return (HISTORY_RANGES as readonly string[]).includes(value ?? "") ? (value as HistoryRange) : DEFAULT_HISTORY_RANGE;
}

/** The search string for a range, keeping the page's other parameters; the default range is left out of the URL. */
export function withHistoryRange(params: URLSearchParams | string, range: HistoryRange): string {
  const next = new URLSearchParams(params);
  if (range === DEFAULT_HISTORY_RANGE) next.delete("range");
  else next.set("range", range);
  const text = next.toString();
  return text ? `?${text}` : "";
}
