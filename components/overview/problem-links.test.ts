import { describe, expect, test } from "vitest";
import { filtersFromSearch } from "@/components/requests/request-url-state";
import { problemLinks } from "./problem-links";

/** What the request log shows when the link is opened: the API filters its URL state resolves to. */
const filtersOpenedBy = (href: string) => filtersFromSearch(new URL(href, "http://console.test").search);

describe("links from a problem to its details", () => {
  test("a backend's problem opens the request log on its 5xx since the problem began, and its panel's events", () => {
    const links = problemLinks({ requests: { backend: "qwen-14b", status: ["5xx"], from: "2026-12-06T09:59:00.000Z" }, labEvents: { backendId: "qwen-14b" } });
    expect(links.labEvents).toBe("/backends#backend-qwen-14b-heading");
    expect(filtersOpenedBy(links.requests!)).toEqual({ ok: true, filters: { from: "2026-12-06T09:59:00.000Z", backend: "qwen-14b", status: ["5xx"] } });
  });

  test("streams cut after their 200 open the log on those outcomes with a 2xx status", () => {
    const links = problemLinks({ requests: { backend: "qwen-7b", status: ["2xx"], outcome: ["upstream_error", "timeout"], from: "2026-12-06T09:59:00.000Z" }, labEvents: null });
    expect(filtersOpenedBy(links.requests!)).toEqual({
      ok: true,
      filters: { from: "2026-12-06T09:59:00.000Z", backend: "qwen-7b", status: ["2xx"], outcome: ["upstream_error", "timeout"] },
    });
  });

  test("a failed switch links to the switch history; a problem without requests has no request link", () => {
    expect(problemLinks({ requests: null, labEvents: { kind: "mode_switch" } })).toEqual({ requests: null, labEvents: "/modes#history-heading" });
    const links = problemLinks({ requests: { status: ["5xx"], from: "2026-12-06T09:59:00.000Z" }, labEvents: null });
    expect(filtersOpenedBy(links.requests!)).toEqual({ ok: true, filters: { from: "2026-12-06T09:59:00.000Z", status: ["5xx"] } });
  });
});
