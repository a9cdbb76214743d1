"use client";

import { useEffect, useRef, useState } from "react";
import { useBackendLogsQuery } from "@/components/hooks/queries/use-backend-logs-query";
import { ErrorState, Loading } from "@/components/ui/states";

const TAILS = [50, 200, 1000] as const;

/** The container's last lines, fetched only while open; "follow" refetches and keeps the newest line in view. */
export function BackendLogs({ backendId }: { backendId: string }) {
  const [open, setOpen] = useState(false);
  const [tail, setTail] = useState<(typeof TAILS)[number]>(200);
  const [follow, setFollow] = useState(true);
  const logs = useBackendLogsQuery(backendId, tail, { enabled: open, follow: open && follow });
  const pre = useRef<HTMLPreElement>(null);
  const lines = logs.data?.lines;
  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [lines, follow]);

  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)} data-testid={`backend-${backendId}-logs`}>
      <summary>Recent logs</summary>
      {open ? (
        <>
          <div className="toolbar" style={{ marginTop: 6 }}>
            <label className="inline">
              Last
              <select value={tail} onChange={(e) => setTail(Number(e.target.value) as (typeof TAILS)[number])}>
                {TAILS.map((n) => (
                  <option key={n} value={n}>
                    {n} lines
                  </option>
                ))}
              </select>
            </label>
            <label className="inline">
              <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} />
              Follow
            </label>
            <button type="button" onClick={() => void logs.refetch()} disabled={logs.isFetching}>
              Refresh
            </button>
          </div>
          {logs.isPending ? <Loading label="Reading the logs…" /> : null}
          {logs.error ? <ErrorState title="Cannot read the logs" error={logs.error} onRetry={() => void logs.refetch()} /> : null}
          {lines ? (
            <pre className="logs" ref={pre} tabIndex={0} aria-label={`Last ${tail} log lines of ${backendId}`}>
              {lines.length > 0 ? lines.join("\n") : "(no output)"}
            </pre>
          ) : null}
        </>
      ) : null}
    </details>
  );
}
