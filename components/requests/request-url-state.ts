import { REQUEST_LOG_OUTCOMES, type RequestLogOutcome } from "@/lib/request-log/record";
import { EMPTY_FILTER_FORM, filtersFromForm, TIME_RANGE_CHOICES, type FilterResult, type RequestFilterForm, type TimeRangeChoice } from "./request-filters";

/**
 * The request log's view in the URL: the filters as typed (`?model=fast&status=4xx&range=1h`) and the selected
 * request (`?request=42`), so back/forward step through views and a shared link reproduces one. The form is stored
 * as typed, not resolved: "last hour" in a link means the hour before it is opened.
 */

export const SELECTED_REQUEST_PARAM = "request";

const TEXT_FIELDS = ["from", "to", "model", "route", "backend", "key", "client", "status", "q"] as const;

export function formToSearchParams(form: RequestFilterForm): URLSearchParams {
  const params = new URLSearchParams();
  if (form.range !== EMPTY_FILTER_FORM.range) params.set("range", form.range);
  for (const field of TEXT_FIELDS) {
    if ((field === "from" || field === "to") && form.range !== "custom") continue;
    const value = form[field].trim();
    if (value) params.set(field, value);
  }
  if (form.outcomes.length > 0) params.set("outcome", REQUEST_LOG_OUTCOMES.filter((o) => form.outcomes.includes(o)).join(","));
  if (form.stream !== "any") params.set("stream", form.stream);
  return params;
}

/** Anything unknown in the URL is ignored (a hand-edited link opens the log, not an error). */
export function formFromSearchParams(params: URLSearchParams): RequestFilterForm {
  const range = params.get("range");
  const stream = params.get("stream");
  const form: RequestFilterForm = {
    ...EMPTY_FILTER_FORM,
    range: (TIME_RANGE_CHOICES as readonly string[]).includes(range ?? "") ? (range as TimeRangeChoice) : EMPTY_FILTER_FORM.range,
    outcomes: (params.get("outcome") ?? "").split(",").filter((o): o is RequestLogOutcome => (REQUEST_LOG_OUTCOMES as readonly string[]).includes(o)),
    stream: stream === "true" || stream === "false" ? stream : "any",
  };
  for (const field of TEXT_FIELDS) form[field] = params.get(field) ?? "";
  return form;
}

/** The filter part of the URL only (no selection), in a stable order: the key the form and the query follow. */
export function filterSearchKey(params: URLSearchParams): string {
  return formToSearchParams(formFromSearchParams(params)).toString();
}

/** The search string for a view: these filters and this selected request (null: none). */
export function requestsSearch(form: RequestFilterForm, selectedId: string | null): string {
  const params = formToSearchParams(form);
  if (selectedId) params.set(SELECTED_REQUEST_PARAM, selectedId);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The API filters a URL's search asks for, relative ranges resolved now (when the URL is opened or changed). */
export function filtersFromSearch(search: string): FilterResult {
  return filtersFromForm(formFromSearchParams(new URLSearchParams(search)), Date.now());
}
