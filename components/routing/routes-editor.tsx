"use client";

import { useState } from "react";
import { useRoutesMutation } from "@/components/hooks/mutations/use-routes-mutation";
import type { RoutingView } from "@/components/hooks/api-types";
import { draftsFromRoutes, newDraftKey, routesFromDrafts, type RouteDraft } from "./route-drafts";

/**
 * The routes of the config file as a form: candidates as a comma-separated list per route, the automatic route's
 * sides and thresholds. Saving replaces every route at once; the server validates against the whole config and
 * its message (e.g. an unknown backend, with the line) is shown as is.
 */
export function RoutesEditor({ view, onSaved }: { view: RoutingView; onSaved: (message: string) => void }) {
  const [drafts, setDrafts] = useState<RouteDraft[]>(() => draftsFromRoutes(view.routes));
  const [localError, setLocalError] = useState<{ key: string; message: string } | null>(null);
  const save = useRoutesMutation();
  const candidateRoutes = drafts.filter((d) => d.kind === "candidates").map((d) => d.name.trim()).filter(Boolean);
  const backendIds = Object.keys(view.backends);

  const update = (key: string, patch: Partial<RouteDraft>) => {
    setDrafts((current) => current.map((d) => (d.key === key ? ({ ...d, ...patch } as RouteDraft) : d)));
    setLocalError(null);
    save.reset();
  };

  return (
    <form
      noValidate
      aria-labelledby="routes-heading"
      onSubmit={(event) => {
        event.preventDefault();
        const result = routesFromDrafts(drafts);
        if (!result.ok) {
          setLocalError({ key: result.key, message: result.error });
          return;
        }
        // A success remounts this form (new routes from the server), so report it through the promise, which
        // settles even then; a failure keeps the form and shows save.error.
        save.mutateAsync(result.routes).then(
          (saved) => onSaved(`Routes saved to ${saved.configPath}.`),
          () => undefined,
        );
      }}
    >
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Route</th>
              <th scope="col">Backends, first live one serves (comma-separated)</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {drafts.map((draft) => {
              const invalid = localError?.key === draft.key;
              return (
                <tr key={draft.key} data-testid={`route-editor-${draft.name || draft.key}`}>
                  <td>
                    <input aria-label="Route name" value={draft.name} onChange={(e) => update(draft.key, { name: e.target.value })} aria-invalid={invalid && !draft.name.trim()} size={12} />
                  </td>
                  <td className="wrap">
                    {draft.kind === "candidates" ? (
                      <input
                        className="route-input"
                        aria-label={`Backends for ${draft.name || "the new route"}`}
                        value={draft.candidates}
                        placeholder={backendIds.join(", ")}
                        aria-invalid={invalid}
                        onChange={(e) => update(draft.key, { candidates: e.target.value })}
                      />
                    ) : (
                      <div className="toolbar">
                        <label>
                          fast side
                          <select value={draft.fast} onChange={(e) => update(draft.key, { fast: e.target.value })} aria-label={`Fast side of ${draft.name}`}>
                            {optionsWith(candidateRoutes, draft.fast).map((r) => (
                              <option key={r}>{r}</option>
                            ))}
                          </select>
                        </label>
                        <label>
                          deep side
                          <select value={draft.deep} onChange={(e) => update(draft.key, { deep: e.target.value })} aria-label={`Deep side of ${draft.name}`}>
                            {optionsWith(candidateRoutes, draft.deep).map((r) => (
                              <option key={r}>{r}</option>
                            ))}
                          </select>
                        </label>
                        <label>
                          long prompt (tokens)
                          <input className="limit-input" inputMode="numeric" value={draft.longPromptTokens} aria-invalid={invalid} onChange={(e) => update(draft.key, { longPromptTokens: e.target.value })} />
                        </label>
                        <label>
                          spill at queue depth
                          <input className="limit-input" inputMode="numeric" value={draft.spillQueueDepth} aria-invalid={invalid} onChange={(e) => update(draft.key, { spillQueueDepth: e.target.value })} />
                        </label>
                      </div>
                    )}
                  </td>
                  <td>
                    <button type="button" onClick={() => setDrafts((current) => current.filter((d) => d.key !== draft.key))} aria-label={`Remove route ${draft.name}`}>
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="toolbar" style={{ marginTop: 8 }}>
        <button type="button" onClick={() => setDrafts((current) => [...current, { key: newDraftKey(), name: "", kind: "candidates", candidates: "" }])}>
          Add route
        </button>
        <button type="button" onClick={() => (setDrafts(draftsFromRoutes(view.routes)), setLocalError(null), save.reset())}>
          Revert
        </button>
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save routes"}
        </button>
      </div>
      {localError ? (
        <p className="form-error" role="alert" data-testid="routes-error">
          {localError.message}
        </p>
      ) : null}
      {save.error ? (
        <p className="form-error" role="alert" data-testid="routes-error">
          The config was not changed: {save.error.message}
        </p>
      ) : null}
    </form>
  );
}

function optionsWith(options: string[], current: string): string[] {
  return options.includes(current) || !current ? options : [current, ...options];
}
