"use client";

import { useState } from "react";
import { useBackendLimitsMutation } from "@/components/hooks/mutations/use-backend-limits-mutation";
import type { RoutingView } from "@/components/hooks/api-types";
import { parseWholeNumber } from "./route-drafts";

/** Per-backend concurrency and queue limits, saved one backend at a time; the server's 400 shows beside the row. */
export function LimitsEditor({ view }: { view: RoutingView }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Backend</th>
            <th scope="col">Served model</th>
            <th scope="col">Max concurrent requests</th>
            <th scope="col">Max queued requests</th>
            <th scope="col">
              <span className="visually-hidden">Save</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(view.backends).map(([id, backend]) => (
            <LimitsRow key={`${id}-${backend.maxConcurrency}-${backend.maxQueue}`} id={id} servedModel={backend.servedModel} maxConcurrency={backend.maxConcurrency} maxQueue={backend.maxQueue} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LimitsRow({ id, servedModel, maxConcurrency, maxQueue }: { id: string; servedModel: string; maxConcurrency: number; maxQueue: number }) {
  const [concurrency, setConcurrency] = useState(String(maxConcurrency));
  const [queue, setQueue] = useState(String(maxQueue));
  const [localError, setLocalError] = useState<string | null>(null);
  const save = useBackendLimitsMutation();
  const changed = concurrency !== String(maxConcurrency) || queue !== String(maxQueue);
  const error = localError ?? (save.error ? save.error.message : null);
  const errorId = `limits-${id}-error`;

  const submit = () => {
    const parsedConcurrency = parseWholeNumber(concurrency, 0);
    const parsedQueue = parseWholeNumber(queue, 0);
    if (parsedConcurrency === null || parsedQueue === null) {
      setLocalError("Limits are whole numbers.");
      return;
    }
    save.mutate({ backendId: id, limits: { maxConcurrency: parsedConcurrency, maxQueue: parsedQueue } });
  };

  return (
    <tr data-testid={`limits-${id}`}>
      <th scope="row">
        <code>{id}</code>
      </th>
      <td className="muted">{servedModel}</td>
      <td>
        <input
          className="limit-input"
          inputMode="numeric"
          aria-label={`Max concurrent requests for ${id}`}
          value={concurrency}
          aria-invalid={error !== null}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => (setConcurrency(e.target.value), setLocalError(null), save.reset())}
          onKeyDown={(e) => e.key === "Enter" && submit()}
        />
      </td>
      <td>
        <input
          className="limit-input"
          inputMode="numeric"
          aria-label={`Max queued requests for ${id}`}
          value={queue}
          aria-invalid={error !== null}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => (setQueue(e.target.value), setLocalError(null), save.reset())}
          onKeyDown={(e) => e.key === "Enter" && submit()}
        />
      </td>
      <td className="wrap">
        <button type="button" onClick={submit} disabled={!changed || save.isPending} aria-label={`Save limits of ${id}`}>
          {save.isPending ? "Saving…" : "Save"}
        </button>
        {error ? (
          <span id={errorId} className="form-error" role="alert" style={{ marginLeft: 8 }}>
            {error}
          </span>
        ) : null}
        {save.isSuccess && !changed ? <span className="form-ok" style={{ marginLeft: 8 }}>Saved.</span> : null}
      </td>
    </tr>
  );
}
