"use client";

import { useEffect, useMemo, useState } from "react";
import { ApiRequestError } from "@/components/hooks/api-client";
import type { BackendStatus, ConfigPreview, RoutingView } from "@/components/hooks/api-types";
import { useConfigPreviewMutation } from "@/components/hooks/mutations/use-config-preview-mutation";
import { useRoutesMutation } from "@/components/hooks/mutations/use-routes-mutation";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { CandidatePicker } from "./candidate-picker";
import { DiffView } from "./diff-view";
import { draftsFromRoutes, fieldErrorsFrom, newDraftKey, noErrors, routesFromDrafts, type FieldErrors, type RouteDraft, type Routes } from "./route-drafts";

/**
 * The routes of the config file as a form: each route's backends picked in order, the automatic route's sides and
 * thresholds. "Review changes" asks the server for the diff of the file a save would make (the same splice the save
 * uses); saving from that dialog writes only the changed routes. The server's objections come back as field paths
 * and are shown beside the field that caused them.
 */
export function RoutesEditor({
  view,
  health,
  onSaved,
  onDirtyChange,
}: {
  view: RoutingView;
  health: Record<string, BackendStatus>;
  onSaved: (message: string) => void;
  onDirtyChange: (dirty: boolean) => void;
}) {
  const initial = useMemo(() => draftsFromRoutes(view.routes), [view.routes]);
  const [drafts, setDrafts] = useState<RouteDraft[]>(initial);
  const [errors, setErrors] = useState<FieldErrors>(noErrors);
  const [pending, setPending] = useState<{ routes: Routes; preview: ConfigPreview } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const preview = useConfigPreviewMutation();
  const save = useRoutesMutation();
  const dirty = JSON.stringify(drafts) !== JSON.stringify(initial);
  const candidateRoutes = drafts.filter((d) => d.kind === "candidates").map((d) => d.name.trim()).filter(Boolean);
  const backendIds = Object.keys(view.backends);

  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);

  const update = (key: string, patch: Partial<RouteDraft>) => {
    setDrafts((current) => current.map((d) => (d.key === key ? ({ ...d, ...patch } as RouteDraft) : d)));
    setErrors(noErrors());
    setNotice(null);
  };

  const showServerError = (error: unknown) => {
    if (error instanceof ApiRequestError && error.issues.length > 0) setErrors(fieldErrorsFrom(error.issues, drafts));
    else setErrors({ byDraft: {}, form: [error instanceof Error ? error.message : String(error)] });
  };

  const review = () => {
    const result = routesFromDrafts(drafts);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    preview.mutate(
      { routes: result.routes },
      {
        onSuccess: (answer) => (answer.changes.length === 0 ? setNotice("Nothing to save: the routes are as configured.") : setPending({ routes: result.routes, preview: answer })),
        onError: showServerError,
      },
    );
  };

  const confirm = () => {
    if (!pending) return;
    // A success remounts this form (new routes from the server), so report it through the promise, which settles
    // even then; a failure keeps the form and shows the fields at fault.
    save.mutateAsync(pending.routes).then(
      (saved) => {
        setPending(null);
        onSaved(`Saved routes: ${saved.changes.map((change) => `${change.target}${change.action === "updated" ? "" : ` (${change.action})`}`).join(", ")}`);
      },
      (error: unknown) => {
        setPending(null);
        showServerError(error);
      },
    );
  };

  const fieldError = (draft: RouteDraft, field: keyof NonNullable<FieldErrors["byDraft"][string]>) => errors.byDraft[draft.key]?.[field];

  return (
    <>
      <form
        noValidate
        aria-labelledby="routes-heading"
        onSubmit={(event) => {
          event.preventDefault();
          review();
        }}
      >
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">Backends, in order: the first live one serves</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {drafts.map((draft) => {
                const nameError = fieldError(draft, "name");
                return (
                  <tr key={draft.key} data-testid={`route-editor-${draft.name || draft.key}`}>
                    <td>
                      <input
                        aria-label="Route name"
                        value={draft.name}
                        onChange={(e) => update(draft.key, { name: e.target.value })}
                        aria-invalid={nameError ? true : undefined}
                        aria-describedby={nameError ? `${draft.key}-name-error` : undefined}
                        size={14}
                      />
                      {nameError ? (
                        <p id={`${draft.key}-name-error`} className="form-error" role="alert">
                          {nameError}
                        </p>
                      ) : null}
                    </td>
                    <td className="wrap">
                      {draft.kind === "candidates" ? (
                        <CandidatePicker
                          route={draft.name}
                          value={draft.candidates}
                          backendIds={backendIds}
                          health={health}
                          error={fieldError(draft, "candidates")}
                          errorId={`${draft.key}-candidates-error`}
                          onChange={(candidates) => update(draft.key, { candidates })}
                        />
                      ) : (
                        <AutoRouteFields draft={draft} candidateRoutes={candidateRoutes} errors={errors.byDraft[draft.key] ?? {}} onChange={(patch) => update(draft.key, patch)} />
                      )}
                    </td>
                    <td>
                      <button type="button" onClick={() => (setDrafts((current) => current.filter((d) => d.key !== draft.key)), setErrors(noErrors()))} aria-label={`Remove route ${draft.name}`}>
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
          <button type="button" onClick={() => setDrafts((current) => [...current, { key: newDraftKey(), name: "", kind: "candidates", candidates: [] }])}>
            Add route
          </button>
          <button type="button" onClick={() => (setDrafts(initial), setErrors(noErrors()), setNotice(null))} disabled={!dirty}>
            Revert
          </button>
          <button type="submit" className="primary" disabled={!dirty || preview.isPending}>
            {preview.isPending ? "Checking…" : "Review changes"}
          </button>
          {dirty ? (
            <span className="muted small" data-testid="routes-unsaved">
              Unsaved changes
            </span>
          ) : null}
        </div>
        {errors.form.length > 0 ? (
          <p className="form-error" role="alert" data-testid="routes-error">
            The config was not changed: {errors.form.join("; ")}
          </p>
        ) : null}
        {Object.keys(errors.byDraft).length > 0 ? (
          <p className="form-error" data-testid="routes-error">
            The config was not changed: fix the fields marked above.
          </p>
        ) : null}
        {notice ? (
          <p className="muted" role="status">
            {notice}
          </p>
        ) : null}
      </form>
      {/* Outside the form: a dialog's own form nested in this one would submit both. */}
      <ConfirmDialog
        open={pending !== null}
        title="Save these route changes?"
        confirmLabel="Save routes"
        busy={save.isPending}
        onCancel={() => setPending(null)}
        onConfirm={confirm}
      >
        {pending ? (
          <>
            <ul data-testid="routes-preview-changes">
              {pending.preview.changes.map((change) => (
                <li key={change.target}>{change.summary}</li>
              ))}
            </ul>
            <p className="muted small">
              Changes to <code>{pending.preview.configPath}</code>; every other line stays as it is.
            </p>
            <DiffView lines={pending.preview.diff} testId="routes-diff" />
          </>
        ) : null}
      </ConfirmDialog>
    </>
  );
}

function AutoRouteFields({
  draft,
  candidateRoutes,
  errors,
  onChange,
}: {
  draft: RouteDraft & { kind: "auto" };
  candidateRoutes: string[];
  errors: FieldErrors["byDraft"][string];
  onChange: (patch: Partial<RouteDraft>) => void;
}) {
  const described = (field: string) => (errors?.[field as keyof typeof errors] ? { "aria-invalid": true as const, "aria-describedby": `${draft.key}-${field}-error` } : {});
  return (
    <div>
      <div className="toolbar">
        <label>
          fast side
          <select value={draft.fast} onChange={(e) => onChange({ fast: e.target.value })} aria-label={`Fast side of ${draft.name}`} {...described("fast")}>
            {optionsWith(candidateRoutes, draft.fast).map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          deep side
          <select value={draft.deep} onChange={(e) => onChange({ deep: e.target.value })} aria-label={`Deep side of ${draft.name}`} {...described("deep")}>
            {optionsWith(candidateRoutes, draft.deep).map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          long prompt (tokens)
          <input className="limit-input" inputMode="numeric" value={draft.longPromptTokens} onChange={(e) => onChange({ longPromptTokens: e.target.value })} {...described("longPromptTokens")} />
        </label>
        <label>
          spill at queue depth
          <input className="limit-input" inputMode="numeric" value={draft.spillQueueDepth} onChange={(e) => onChange({ spillQueueDepth: e.target.value })} {...described("spillQueueDepth")} />
        </label>
      </div>
      {(["fast", "deep", "longPromptTokens", "spillQueueDepth"] as const).map((field) =>
        errors?.[field] ? (
          <p key={field} id={`${draft.key}-${field}-error`} className="form-error" role="alert">
            {errors[field]}
          </p>
        ) : null,
      )}
    </div>
  );
}

function optionsWith(options: string[], current: string): string[] {
  return options.includes(current) || !current ? options : [current, ...options];
}
