import type { VerdictProblem } from "@/components/hooks/api-types";
import { EMPTY_FILTER_FORM, toDatetimeLocal } from "@/components/requests/request-filters";
import { requestsSearch } from "@/components/requests/request-url-state";

/**
 * Where a problem's details live in the console: its requests in the request log (the log page's own URL state: a
 * custom range from when the problem began, the backend, the status class and, for streams cut after their 200, the outcomes) and its lab events (a backend's panel lists its events; the Modes page the switches
 * and restarts).
 */
export function problemLinks(problem: Pick<VerdictProblem, "requests" | "labEvents">): { requests: string | null; labEvents: string | null } {
  const filter = problem.requests;
  const requests = filter
    ? `/requests${requestsSearch({ ...EMPTY_FILTER_FORM, range: "custom", from: toDatetimeLocal(filter.from), backend: filter.backend ?? "", status: (filter.status ?? []).join(","), outcomes: filter.outcome ?? [] }, null)}`
    : null;
  const events = problem.labEvents;
  const labEvents = !events
    ? null
    : events.kind === "mode_switch" || events.kind === "restart"
      ? "/modes#history-heading"
      : events.backendId
        ? `/backends#backend-${encodeURIComponent(events.backendId)}-heading`
        : "/backends";
  return { requests, labEvents };
}
