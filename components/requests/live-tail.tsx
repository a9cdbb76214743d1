"use client";

import { useLive } from "@/components/live/live-events-provider";
import { OutcomeBadge } from "@/components/ui/badges";
import { formatTime, MISSING } from "@/components/ui/format";

const SHOWN = 20;

/** Requests as they finish, whatever the filters, straight from the event stream. */
export function LiveTail({ onSelect }: { onSelect: (id: string) => void }) {
  const requests = useLive((live) => live.requests);
  return (
    <section className="panel" aria-labelledby="live-tail-heading" data-testid="live-tail">
      <h2 id="live-tail-heading" className="small" style={{ margin: 0 }}>
        Live tail <span className="muted">· every request as it finishes, whatever the filters</span>
      </h2>
      {requests.length === 0 ? (
        <p className="muted small" style={{ margin: "4px 0 0" }}>Nothing yet since this page opened.</p>
      ) : (
        <ul className="live-tail" aria-live="polite">
          {requests.slice(0, SHOWN).map((r) => (
            <li key={r.id}>
              <button type="button" onClick={() => onSelect(String(r.id))} data-testid={`live-request-${r.id}`} aria-label={`Show request ${r.id}`}>
                <span className="muted">{formatTime(Date.parse(r.receivedAt))}</span>
                <span>{r.requestedModel ?? MISSING}</span>
                <span className="muted">→ {r.backend ?? MISSING}</span>
                <span>{r.status ?? MISSING}</span>
                <OutcomeBadge value={r.outcome} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
