"use client";

import { useId, useState, type ReactNode } from "react";
import { useCreateApiKeyMutation } from "@/components/hooks/mutations/use-create-api-key-mutation";
import { useRoutesQuery } from "@/components/hooks/queries/use-routes-query";
import type { CreatedApiKey } from "@/components/hooks/api-types";
import { ErrorState, Loading } from "@/components/ui/states";
import { EMPTY_KEY_FORM, parseKeyForm, type KeyFormDraft, type KeyFormField } from "./key-form";
import { modelChoices } from "./key-status";

/** The create-key form: mistakes are shown beside their field, the server's refusal under the button. */
export function CreateKeyForm({ onCreated }: { onCreated: (created: CreatedApiKey) => void }) {
  const [draft, setDraft] = useState<KeyFormDraft>(EMPTY_KEY_FORM);
  const [errors, setErrors] = useState<Partial<Record<KeyFormField, string>>>({});
  const create = useCreateApiKeyMutation();
  const formId = useId();

  const edit = <Field extends keyof KeyFormDraft>(field: Field, value: KeyFormDraft[Field]) => {
    setDraft((current) => ({ ...current, [field]: value }));
    if (field in errors) {
      setErrors((current) => {
        const next = { ...current };
        delete next[field as KeyFormField];
        return next;
      });
    }
    create.reset();
  };

  const submit = () => {
    const parsed = parseKeyForm(draft);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    create.mutate(parsed.body, {
      onSuccess: (created) => {
        setDraft(EMPTY_KEY_FORM);
        onCreated(created);
      },
    });
  };

  const fieldError = (field: KeyFormField) => errors[field] ?? null;
  const errorId = (field: KeyFormField) => `${formId}-${field}-error`;
  const invalidProps = (field: KeyFormField) => ({ "aria-invalid": fieldError(field) !== null, "aria-describedby": fieldError(field) ? errorId(field) : undefined });

  return (
    <form
      aria-label="Create an API key"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!create.isPending) submit();
      }}
    >
      <div className="filters">
        <Field error={fieldError("name")} errorId={errorId("name")}>
          <label>
            Name
            <input value={draft.name} onChange={(e) => edit("name", e.target.value)} maxLength={100} required placeholder="who or what uses it" {...invalidProps("name")} />
          </label>
        </Field>
        <label>
          Lane
          <select value={draft.lane} onChange={(e) => edit("lane", e.target.value === "batch" ? "batch" : "interactive")}>
            <option value="interactive">interactive</option>
            <option value="batch">batch</option>
          </select>
        </label>
        <Field error={fieldError("concurrency")} errorId={errorId("concurrency")}>
          <label>
            Concurrency cap
            <input className="limit-input" inputMode="numeric" placeholder="no cap" value={draft.concurrency} onChange={(e) => edit("concurrency", e.target.value)} {...invalidProps("concurrency")} />
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
              onChange={(e) => edit("requestsPerMinute", e.target.value)}
              {...invalidProps("requestsPerMinute")}
            />
          </label>
        </Field>
        <label>
          Expires in
          <input className="limit-input" placeholder="never" value={draft.expiresIn} onChange={(e) => edit("expiresIn", e.target.value)} aria-describedby={`${formId}-expiry-hint`} />
        </label>
        <label className="inline">
          <input type="checkbox" checked={draft.captureBodies} onChange={(e) => edit("captureBodies", e.target.checked)} />
          Capture bodies
        </label>
      </div>
      <p id={`${formId}-expiry-hint`} className="muted small">
        Expiry: a duration (<code>90m</code>, <code>12h</code>, <code>30d</code>, <code>8w</code>) or a date (<code>2027-01-31</code>); empty for a key that does not expire.
        Capturing bodies stores this key&apos;s prompts and completions in the request log.
      </p>
      <ModelPicker selected={draft.allowedModels} onChange={(models) => edit("allowedModels", models)} />
      <div className="toolbar" style={{ marginTop: 10 }}>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create key"}
        </button>
        {create.error ? (
          <span className="form-error" role="alert" data-testid="create-key-error">
            {create.error.message}
          </span>
        ) : null}
      </div>
    </form>
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

/** The model names of the routing table as checkboxes; none checked is a key for every model. */
function ModelPicker({ selected, onChange }: { selected: string[]; onChange: (models: string[]) => void }) {
  const routes = useRoutesQuery();
  const toggle = (model: string, on: boolean) => onChange(on ? [...selected, model] : selected.filter((m) => m !== model));
  return (
    <fieldset data-testid="key-models">
      <legend>Allowed models {selected.length === 0 ? "(none checked: every model)" : `(${selected.length} checked)`}</legend>
      {routes.isPending ? <Loading label="Loading the model names…" /> : null}
      {routes.error ? <ErrorState title="Cannot read the model names" error={routes.error} onRetry={() => void routes.refetch()} /> : null}
      {routes.data ? (
        <div className="toolbar" style={{ gap: "2px 14px" }}>
          {modelChoices(routes.data).map((model) => (
            <label key={model} className="inline">
              <input type="checkbox" checked={selected.includes(model)} onChange={(e) => toggle(model, e.target.checked)} />
              <code>{model}</code>
            </label>
          ))}
        </div>
      ) : null}
    </fieldset>
  );
}
