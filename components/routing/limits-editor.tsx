"use client";

import { useCallback, useEffect, useState } from "react";
import { ApiRequestError } from "@/components/hooks/api-client";
import type { ConfigPreview, RoutingView } from "@/components/hooks/api-types";
import { useBackendLimitsMutation, type BackendLimits } from "@/components/hooks/mutations/use-backend-limits-mutation";
import { useConfigPreviewMutation } from "@/components/hooks/mutations/use-config-preview-mutation";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { DiffView } from "./diff-view";
import { parseWholeNumber } from "./route-drafts";

type LimitField = "maxConcurrency" | "maxQueue";

/** Which field a server issue is about: `maxQueue` (the request body) or `backends.<id>.maxQueue` (the config). */
export function limitFieldOf(path: string): LimitField | null {
  const last = path.split(".").at(-1);
  return last === "maxConcurrency" || last === "maxQueue" ? last : null;
}

/**
 * Per-backend concurrency and queue limits, saved one backend at a time: "Save" shows the diff of the config file
 * first, and the server's confirmation (or its objection, beside the field) once it is written.
 */
export function LimitsEditor({ view, onDirtyChange }: { view: RoutingView; onDirtyChange: (dirty: boolean) => void }) {
  // Kept here, not in the row: a save remounts the row with the new values.
  const [saved, setSaved] = useState<Record<string, string>>({});
  const [dirtyRows, setDirtyRows] = useState<Record<string, boolean>>({});
  const anyDirty = Object.values(dirtyRows).some(Boolean);
  useEffect(() => onDirtyChange(anyDirty), [anyDirty, onDirtyChange]);
  const setRowDirty = useCallback((id: string, dirty: boolean) => setDirtyRows((current) => (current[id] === dirty ? current : { ...current, [id]: dirty })), []);
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
            <LimitsRow
              key={`${id}-${backend.maxConcurrency}-${backend.maxQueue}`}
              id={id}
              servedModel={backend.servedModel}
              maxConcurrency={backend.maxConcurrency}
              maxQueue={backend.maxQueue}
              saved={saved[id] ?? null}
              onSaved={(message) => setSaved((current) => ({ ...current, [id]: message }))}
              onDirtyChange={setRowDirty}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LimitsRow({
  id,
  servedModel,
  maxConcurrency,
  maxQueue,
  saved,
  onSaved,
  onDirtyChange,
}: {
  id: string;
  servedModel: string;
  maxConcurrency: number;
  maxQueue: number;
  saved: string | null;
  onSaved: (message: string) => void;
  onDirtyChange: (id: string, dirty: boolean) => void;
}) {
  const [values, setValues] = useState<Record<LimitField, string>>({ maxConcurrency: String(maxConcurrency), maxQueue: String(maxQueue) });
  const [errors, setErrors] = useState<Partial<Record<LimitField | "form", string>>>({});
  const [pending, setPending] = useState<{ limits: BackendLimits; preview: ConfigPreview } | null>(null);
  const preview = useConfigPreviewMutation();
  const save = useBackendLimitsMutation();
  const changed = values.maxConcurrency !== String(maxConcurrency) || values.maxQueue !== String(maxQueue);
  useEffect(() => onDirtyChange(id, changed), [id, changed, onDirtyChange]);

  const showServerError = (error: unknown) => {
    if (error instanceof ApiRequestError && error.issues.length > 0) {
      const next: typeof errors = {};
      for (const issue of error.issues) next[limitFieldOf(issue.path) ?? "form"] ??= `${issue.path}: ${issue.message}`;
      setErrors(next);
    } else setErrors({ form: error instanceof Error ? error.message : String(error) });
  };

  const submit = () => {
    const limits = { maxConcurrency: parseWholeNumber(values.maxConcurrency, 0), maxQueue: parseWholeNumber(values.maxQueue, 0) };
    const local: typeof errors = {};
    if (limits.maxConcurrency === null) local.maxConcurrency = "A whole number.";
    if (limits.maxQueue === null) local.maxQueue = "A whole number.";
    if (Object.keys(local).length > 0) return setErrors(local);
    const body = { maxConcurrency: limits.maxConcurrency!, maxQueue: limits.maxQueue! };
    preview.mutate({ backendId: id, limits: body }, { onSuccess: (answer) => setPending({ limits: body, preview: answer }), onError: showServerError });
  };

  const confirm = () => {
    if (!pending) return;
    save.mutateAsync({ backendId: id, limits: pending.limits }).then(
      (answer) => {
        setPending(null);
        onSaved(`Saved ${answer.changes.map((change) => change.summary).join("; ") || `limits of ${id}: unchanged`}`);
      },
      (error: unknown) => {
        setPending(null);
        showServerError(error);
      },
    );
  };

  const input = (field: LimitField, label: string) => (
    <input
      className="limit-input"
      inputMode="numeric"
      aria-label={`${label} for ${id}`}
      value={values[field]}
      aria-invalid={errors[field] ? true : undefined}
      aria-describedby={errors[field] ? `limits-${id}-${field}-error` : undefined}
      onChange={(e) => (setValues((current) => ({ ...current, [field]: e.target.value })), setErrors({}))}
      onKeyDown={(e) => e.key === "Enter" && submit()}
    />
  );
  const fieldError = (field: LimitField) =>
    errors[field] ? (
      <p id={`limits-${id}-${field}-error`} className="form-error" role="alert">
        {errors[field]}
      </p>
    ) : null;

  return (
    <tr data-testid={`limits-${id}`}>
      <th scope="row">
        <code>{id}</code>
      </th>
      <td className="muted">{servedModel}</td>
      <td>
        {input("maxConcurrency", "Max concurrent requests")}
        {fieldError("maxConcurrency")}
      </td>
      <td>
        {input("maxQueue", "Max queued requests")}
        {fieldError("maxQueue")}
      </td>
      <td className="wrap">
        <button type="button" onClick={submit} disabled={!changed || preview.isPending} aria-label={`Save limits of ${id}`}>
          {preview.isPending ? "Checking…" : "Save"}
        </button>
        {errors.form ? (
          <span className="form-error" role="alert" style={{ marginLeft: 8 }}>
            {errors.form}
          </span>
        ) : null}
        {saved && !changed ? (
          <span className="form-ok" role="status" style={{ marginLeft: 8 }} data-testid={`limits-saved-${id}`}>
            {saved}
          </span>
        ) : null}
        <ConfirmDialog open={pending !== null} title={`Save the limits of ${id}?`} confirmLabel="Save limits" busy={save.isPending} onCancel={() => setPending(null)} onConfirm={confirm}>
          {pending ? (
            <>
              <ul>
                {pending.preview.changes.map((change) => (
                  <li key={change.target}>{change.summary}</li>
                ))}
              </ul>
              <DiffView lines={pending.preview.diff} testId={`limits-diff-${id}`} />
            </>
          ) : null}
        </ConfirmDialog>
      </td>
    </tr>
  );
}
