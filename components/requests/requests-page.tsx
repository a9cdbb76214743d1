"use client";

import { useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { queryKeys } from "@/components/hooks/query-keys";
import { useRequestsQuery, requestFiltersQuery } from "@/components/hooks/queries/use-requests-query";
import { useRoutesQuery } from "@/components/hooks/queries/use-routes-query";
import { useLiveEvents } from "@/components/live/live-events-provider";
import type { LabBusEvent } from "@/lib/events/bus";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { LiveTail } from "./live-tail";
import { RequestDetail } from "./request-detail";
import { RequestFilterForm } from "./request-filter-form";
import { hasNarrowingFilters, type RequestFilterForm as FilterFormState } from "./request-filters";
import { filterSearchKey, filtersFromSearch, formFromSearchParams, requestsSearch, SELECTED_REQUEST_PARAM } from "./request-url-state";
import { focusRequestRow, RequestsTable } from "./requests-table";

const FOLLOW_REFRESH_MS = 1_000;

/**
 * The request log: filters, keyset pages ("Load more"), a detail panel, the live tail and a CSV export. The filters
 * and the selected request live in the URL (see request-url-state.ts); Escape closes the detail.
 */
export function RequestsPage() {
  // useSearchParams needs a boundary: the page is prerendered without the URL's query.
  return (
    <Suspense fallback={<Loading label="Loading requests…" />}>
      <RequestsPageContent />
    </Suspense>
  );
}

function RequestsPageContent() {
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filterKey = filterSearchKey(searchParams);
  const form = useMemo(() => formFromSearchParams(new URLSearchParams(filterKey)), [filterKey]);
  // Resolved once per change of the URL's filters ("last hour" is the hour before they were applied or opened).
  const resolved = useMemo(() => filtersFromSearch(filterKey), [filterKey]);
  const filters = resolved.ok ? resolved.filters : {};
  const selectedId = searchParams.get(SELECTED_REQUEST_PARAM);
  const showView = (nextForm: FilterFormState, nextSelected: string | null) => router.push(`${pathname}${requestsSearch(nextForm, nextSelected)}`, { scroll: false });
  const setSelectedId = (id: string | null) => showView(form, id);
  const [follow, setFollow] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const requests = useRequestsQuery(filters);
  const routes = useRoutesQuery();
  const queryClient = useQueryClient();

  // Following: finished requests refresh the table (coalesced); not following: count them, refresh on demand.
  const followRef = useRef(follow);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    followRef.current = follow;
  }, [follow]);
  useEffect(() => () => void (refreshTimer.current && clearTimeout(refreshTimer.current)), []);
  const onEvent = useCallback(
    (event: LabBusEvent) => {
      if (event.type !== "request") return;
      if (!followRef.current) {
        setUnseen((n) => n + 1);
        return;
      }
      refreshTimer.current ??= setTimeout(() => {
        refreshTimer.current = null;
        void queryClient.invalidateQueries({ queryKey: queryKeys.requests.lists() });
      }, FOLLOW_REFRESH_MS);
    },
    [queryClient],
  );
  useLiveEvents(onEvent);

  // Closing returns focus to the row the detail was opened from (if it is still on screen).
  const closeDetail = () => {
    if (selectedId) focusRequestRow(selectedId);
    setSelectedId(null);
  };
  const closeRef = useRef(closeDetail);
  useEffect(() => {
    closeRef.current = closeDetail;
  });
  useEffect(() => {
    if (!selectedId) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      event.preventDefault();
      closeRef.current();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [selectedId]);

  const refresh = () => {
    setUnseen(0);
    void queryClient.invalidateQueries({ queryKey: queryKeys.requests.lists() });
  };
  const rows = requests.data?.pages.flatMap((page) => page.rows) ?? [];
  const models = routes.data?.table.map((row) => row.model) ?? [];
  const backends = routes.data ? Object.keys(routes.data.backends) : [];

  return (
    <>
      <div className="page-header">
        <h1>Requests</h1>
        <div className="toolbar">
          <label className="inline">
            <input type="checkbox" checked={follow} onChange={(e) => (setFollow(e.target.checked), e.target.checked && refresh())} />
            Follow new requests
          </label>
          {!follow && unseen > 0 ? (
            <button type="button" onClick={refresh} data-testid="show-new-requests">
              {unseen} new — refresh
            </button>
          ) : null}
          <a className="button" href={`/api/requests/export${requestFiltersQuery(filters, { format: "csv" })}`} download="switchyard-requests.csv" data-testid="export-csv">
            Export CSV
          </a>
          <a className="button" href={`/api/requests/export${requestFiltersQuery(filters, { format: "ndjson" })}`} download="switchyard-requests.ndjson" data-testid="export-ndjson">
            NDJSON
          </a>
        </div>
      </div>
      <RequestFilterForm key={filterKey} models={models} backends={backends} initial={form} onApply={(next) => (showView(next, selectedId), setUnseen(0))} />
      {resolved.ok ? null : (
        <p className="form-error" role="alert">
          This link&apos;s filters are not valid ({resolved.error}); showing all requests.
        </p>
      )}
      <div className={`requests-layout${selectedId ? " with-detail" : ""}`}>
        <div style={{ minWidth: 0 }}>
          <LiveTail onSelect={setSelectedId} />
          {requests.isPending ? <Loading label="Loading requests…" /> : null}
          {requests.error ? <ErrorState title="Cannot read the request log" error={requests.error} onRetry={() => void requests.refetch()} /> : null}
          {requests.data && rows.length === 0 ? (
            <Empty>{hasNarrowingFilters(filters) ? "No request matches these filters." : "No requests in this time range."}</Empty>
          ) : null}
          {rows.length > 0 ? <RequestsTable rows={rows} selectedId={selectedId} onSelect={setSelectedId} /> : null}
          <div className="toolbar" style={{ marginTop: 8 }}>
            <span className="muted small" data-testid="requests-count">
              {rows.length} request{rows.length === 1 ? "" : "s"} shown{requests.hasNextPage ? ", more available" : ""}
            </span>
            {requests.hasNextPage ? (
              <button type="button" onClick={() => void requests.fetchNextPage()} disabled={requests.isFetchingNextPage}>
                {requests.isFetchingNextPage ? "Loading…" : "Load more"}
              </button>
            ) : null}
          </div>
        </div>
        {selectedId ? <RequestDetail key={selectedId} id={selectedId} onClose={closeDetail} /> : null}
      </div>
    </>
  );
}
