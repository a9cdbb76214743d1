"use client";

import { useStatusQuery } from "@/components/hooks/queries/use-status-query";
import { ErrorState, Loading } from "@/components/ui/states";
import { BackendPanel } from "./backend-panel";

/** Every backend's container, health, limits, watchdog and logs, with a guarded restart. */
export function BackendsPage() {
  const { data: status, error, isPending, refetch } = useStatusQuery();
  if (isPending) return <Loading label="Loading the backends…" />;
  if (error && !status) return <ErrorState title="Cannot read the lab's status" error={error} onRetry={() => void refetch()} />;
  if (!status) return null;
  const backends = [...status.backends].sort((a, b) => Number(b.inCurrentMode) - Number(a.inCurrentMode));
  return (
    <>
      <div className="page-header">
        <h1>Backends</h1>
        <span className="muted small">
          runtime {status.runtime.kind}
          {status.runtime.reachable ? "" : ` (unreachable: ${status.runtime.error ?? "unknown error"})`}
        </span>
      </div>
      {backends.map((backend) => (
        <BackendPanel key={backend.id} backend={backend} status={status} />
      ))}
    </>
  );
}
