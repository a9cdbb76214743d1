"use client";

import type { BackendStatus } from "@/components/hooks/api-types";
import { StateBadge } from "@/components/ui/badges";
import { moveItem } from "./route-drafts";

/** A backend's health in words, for an option of a <select> (which cannot hold a badge). */
export function healthLabel(status: BackendStatus | undefined): string {
  if (!status) return "state unknown";
  return status.inCurrentMode ? status.state : `${status.state}, not in the current mode`;
}

/**
 * A route's candidates as an ordered list of backends (the first live one serves): add from the declared backends
 * (each shown with its health), remove, move up or down. Nothing is typed, so nothing can be misspelt.
 */
export function CandidatePicker({
  route,
  value,
  backendIds,
  health,
  error,
  errorId,
  onChange,
}: {
  route: string;
  value: readonly string[];
  backendIds: readonly string[];
  health: Record<string, BackendStatus>;
  error?: string;
  errorId: string;
  onChange: (candidates: string[]) => void;
}) {
  const label = route || "the new route";
  const available = backendIds.filter((id) => !value.includes(id));
  return (
    <div className="candidate-picker" role="group" aria-label={`Backends for ${label}`} aria-describedby={error ? errorId : undefined} data-invalid={error ? true : undefined}>
      {value.length > 0 ? (
        <ol className="candidate-list">
          {value.map((id, index) => (
            <li key={id} data-testid={`candidate-${route}-${id}`}>
              <span className="candidate-rank muted">{index + 1}.</span>
              <code>{id}</code>
              {health[id] ? <StateBadge state={health[id].inCurrentMode ? health[id].state : "not in this mode"} /> : null}
              <span className="candidate-actions">
                <button type="button" className="icon-button" onClick={() => onChange(moveItem(value, index, -1))} disabled={index === 0} aria-label={`Move ${id} up in ${label}`} title="Move up">
                  ↑
                </button>
                <button type="button" className="icon-button" onClick={() => onChange(moveItem(value, index, 1))} disabled={index === value.length - 1} aria-label={`Move ${id} down in ${label}`} title="Move down">
                  ↓
                </button>
                <button type="button" className="icon-button" onClick={() => onChange(value.filter((other) => other !== id))} aria-label={`Remove ${id} from ${label}`} title="Remove">
                  ✕
                </button>
              </span>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted small">No backend: pick one.</p>
      )}
      {available.length > 0 ? (
        <select aria-label={`Add a backend to ${label}`} value="" onChange={(event) => event.target.value && onChange([...value, event.target.value])}>
          <option value="">Add a backend…</option>
          {available.map((id) => (
            <option key={id} value={id}>
              {id} ({healthLabel(health[id])})
            </option>
          ))}
        </select>
      ) : null}
      {error ? (
        <p id={errorId} className="form-error" role="alert" data-testid={`route-error-${route}`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
