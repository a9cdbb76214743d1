import type { RequestListFilters } from "@/components/hooks/api-types";
import { REQUEST_LOG_OUTCOMES, type RequestLogOutcome } from "@/lib/request-log/record";

/** The filter form as typed; `filtersFromForm` turns it into the API's filters when applied. */
export interface RequestFilterForm {
  range: TimeRangeChoice;
  /** datetime-local values (the browser's zone), for range "custom". */
  from: string;
  to: string;
  model: string;
  route: string;
  backend: string;
  /** An API key's id. */
  key: string;
  client: string;
  outcomes: RequestLogOutcome[];
  /** HTTP statuses or classes (5xx), comma-separated. */
  status: string;
  stream: "any" | "true" | "false";
  /** Text in the error message or code. */
  q: string;
}

export const TIME_RANGE_CHOICES = ["15m", "1h", "24h", "7d", "all", "custom"] as const;
export type TimeRangeChoice = (typeof TIME_RANGE_CHOICES)[number];

const RANGE_MS: Record<Exclude<TimeRangeChoice, "all" | "custom">, number> = {
  "15m": 15 * 60_000,
  "1h": 60 * 60_000,
  "24h": 24 * 60 * 60_000,
  "7d": 7 * 24 * 60 * 60_000,
};

export const EMPTY_FILTER_FORM: RequestFilterForm = { range: "all", from: "", to: "", model: "", route: "", backend: "", key: "", client: "", outcomes: [], status: "", stream: "any", q: "" };

/** A moment as a datetime-local value in the browser's zone ("2026-12-06T10:59:00"): what the custom range's inputs hold. */
export function toDatetimeLocal(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export type FilterResult = { ok: true; filters: RequestListFilters } | { ok: false; error: string };

/** Validates the form and resolves relative ranges against `now` (a preset is "the last hour from when I applied"). */
export function filtersFromForm(form: RequestFilterForm, now: number): FilterResult {
  const filters: RequestListFilters = {};
  if (form.range === "custom") {
    const from = form.from ? new Date(form.from) : null;
    const to = form.to ? new Date(form.to) : null;
    if (from && Number.isNaN(from.getTime())) return { ok: false, error: "The start time is not a valid date." };
    if (to && Number.isNaN(to.getTime())) return { ok: false, error: "The end time is not a valid date." };
    if (from && to && from >= to) return { ok: false, error: "The start time must be before the end time." };
    if (from) filters.from = from.toISOString();
    if (to) filters.to = to.toISOString();
  } else if (form.range !== "all") {
    filters.from = new Date(now - RANGE_MS[form.range]).toISOString();
  }
  for (const key of ["model", "route", "backend", "key", "client", "q"] as const) {
    const value = form[key].trim();
    if (value) filters[key] = value;
  }
  if (form.outcomes.length > 0) filters.outcome = REQUEST_LOG_OUTCOMES.filter((o) => form.outcomes.includes(o));
  if (form.status.trim()) {
    const parts = form.status.split(/[\s,]+/).filter(Boolean).map((part) => part.toLowerCase());
    if (parts.some((part) => !/^([1-5]xx|[1-5]\d\d)$/.test(part))) {
      return { ok: false, error: `Status must be HTTP codes or classes, comma-separated (e.g. 503, 4xx), not "${form.status.trim()}".` };
    }
    filters.status = parts;
  }
  if (form.stream !== "any") filters.stream = form.stream === "true";
  return { ok: true, filters };
}

/** True when any filter beyond the time range is set (for "N filters" and the empty-state wording). */
export function hasNarrowingFilters(filters: RequestListFilters): boolean {
  return Object.entries(filters).some(([key, value]) => key !== "from" && key !== "to" && value !== undefined);
}
