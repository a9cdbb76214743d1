"use client";

import { useId, type ReactNode } from "react";
import { useRoutesQuery } from "@/components/hooks/queries/use-routes-query";
import { ErrorState, Loading } from "@/components/ui/states";
import type { KeyFormDraft, KeyFormErrors, KeyFormField } from "./key-form";
import { modelChoices } from "./key-status";

/**
 * A key's settings as form fields, shared by the create form and the edit dialog: each error beside its field
 * (tied to it with aria-describedby), the model names from the routing table.
 */
export function KeyFormFields({
  draft,
  errors,
  onEdit,
}: {
  draft: KeyFormDraft;
  errors: KeyFormErrors;
  onEdit: <Field extends keyof KeyFormDraft>(field: Field, value: KeyFormDraft[Field]) => void;
}) {
  const formId = useId();
  const routes = useRoutesQuery();
  // A key may name a model the routing table no longer has: it stays listed, so it can be unchecked.
  const models = routes.data ? [...new Set([...modelChoices(routes.data), ...draft.allowedModels, ...(draft.defaultModel ? [draft.defaultModel] : [])])] : null;
  const fieldError = (field: KeyFormField) => errors[field] ?? null;
  const errorId = (field: KeyFormField) => `${formId}-${field}-error`;
  const invalidProps = (field: KeyFormField) => ({ "aria-invalid": fieldError(field) !== null, "aria-describedby": fieldError(field) ? errorId(field) : undefined });

  return (
    <>
      <div className="filters">
        <Field error={fieldError("name")} errorId={errorId("name")}>
          <label>
            Name
            <input value={draft.name} onChange={(e) => onEdit("name", e.target.value)} maxLength={100} required placeholder="who or what uses it" {...invalidProps("name")} />
          </label>
        </Field>
        <label>
          Lane
          <select value={draft.lane} onChange={(e) => onEdit("lane", e.target.value === "batch" ? "batch" : "interactive")}>
            <option value="interactive">interactive</option>
            <option value="batch">batch</option>
          </select>
        </label>
        <Field error={fieldError("concurrency")} errorId={errorId("concurrency")}>
          <label>
            Concurrency cap
            <input className="limit-input" inputMode="numeric" placeholder="no cap" value={draft.concurrency} onChange={(e) => onEdit("concurrency", e.target.value)} {...invalidProps("concurrency")} />
          </label>
        </Field>
        <Field error={fieldError("requestsPerMinute")} errorId={errorId("requestsPerMinute")}>
          <label>
            Requests/min
            <input
              className="limit-input"
              inputMode="numeric"
              placeholder="no limit"
              value={draft.requestsPerMinute}
              onChange={(e) => onEdit("requestsPerMinute", e.target.value)}
              {...invalidProps("requestsPerMinute")}
            />
          </label>
        </Field>
        <Field error={fieldError("defaultModel")} errorId={errorId("defaultModel")}>
          <label>
            Default model
            <select value={draft.defaultModel} onChange={(e) => onEdit("defaultModel", e.target.value)} {...invalidProps("defaultModel")}>
              <option value="">none</option>
              {(models ?? (draft.defaultModel ? [draft.defaultModel] : [])).map((model) => (
                <option key={model} value={model}>
                  {model}
                </option>
              ))}
            </select>
          </label>
        </Field>
        <Field error={fieldError("expiresIn")} errorId={errorId("expiresIn")}>
          <label>
            Expires in
            <input
              className="limit-input"
              // Wide enough for an edited key's expiry as prefilled: 2027-01-31T18:05Z.
              style={{ width: "19ch" }}
              placeholder="never"
              value={draft.expiresIn}
              onChange={(e) => onEdit("expiresIn", e.target.value)}
              aria-invalid={fieldError("expiresIn") !== null}
              aria-describedby={[`${formId}-expiry-hint`, fieldError("expiresIn") ? errorId("expiresIn") : null].filter(Boolean).join(" ")}
            />
          </label>
        </Field>
        <label className="inline">
          <input type="checkbox" checked={draft.captureBodies} onChange={(e) => onEdit("captureBodies", e.target.checked)} />
          Capture bodies
        </label>
      </div>
      <p id={`${formId}-expiry-hint`} className="muted small">
        Expiry: a duration (<code>90m</code>, <code>12h</code>, <code>30d</code>, <code>8w</code>) or a date (<code>2027-01-31</code>); empty for a key that does not expire.
        Capturing bodies stores this key&apos;s prompts and completions in the request log. The default model serves requests that name none.
      </p>
      <fieldset data-testid="key-models" aria-describedby={fieldError("allowedModels") ? errorId("allowedModels") : undefined}>
        <legend>Allowed models {draft.allowedModels.length === 0 ? "(none checked: every model)" : `(${draft.allowedModels.length} checked)`}</legend>
        {routes.isPending ? <Loading label="Loading the model names…" /> : null}
        {routes.error ? <ErrorState title="Cannot read the model names" error={routes.error} onRetry={() => void routes.refetch()} /> : null}
        {models ? (
          <div className="toolbar" style={{ gap: "2px 14px" }}>
            {models.map((model) => (
              <label key={model} className="inline">
                <input
                  type="checkbox"
                  checked={draft.allowedModels.includes(model)}
                  onChange={(e) => onEdit("allowedModels", e.target.checked ? [...draft.allowedModels, model] : draft.allowedModels.filter((m) => m !== model))}
                />
                <code>{model}</code>
              </label>
            ))}
          </div>
        ) : null}
        {fieldError("allowedModels") ? (
          <span id={errorId("allowedModels")} className="form-error small" role="alert">
            {fieldError("allowedModels")}
          </span>
        ) : null}
      </fieldset>
    </>
  );
}

function Field({ error, errorId, children }: { error: string | null; errorId: string; children: ReactNode }) {
  return (
    <div style={{ display: "inline-flex", flexDirection: "column", gap: 2 }}>
      {children}
      {error ? (
        <span id={errorId} className="form-error small" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}
