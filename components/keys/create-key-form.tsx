"use client";

import { useState } from "react";
import { useCreateApiKeyMutation } from "@/components/hooks/mutations/use-create-api-key-mutation";
import type { CreatedApiKey } from "@/components/hooks/api-types";
import { EMPTY_KEY_FORM, parseKeyForm, type KeyFormDraft, type KeyFormErrors, type KeyFormField } from "./key-form";
import { KeyFormFields } from "./key-form-fields";

/** The create-key form: mistakes are shown beside their field, the server's refusal under the button. */
export function CreateKeyForm({ onCreated }: { onCreated: (created: CreatedApiKey) => void }) {
  const [draft, setDraft] = useState<KeyFormDraft>(EMPTY_KEY_FORM);
  const [errors, setErrors] = useState<KeyFormErrors>({});
  const create = useCreateApiKeyMutation();

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

  return (
    <form
      aria-label="Create an API key"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!create.isPending) submit();
      }}
    >
      <KeyFormFields draft={draft} errors={errors} onEdit={edit} />
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
