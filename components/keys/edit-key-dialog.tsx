"use client";

import { useEffect, useId, useRef, useState } from "react";
import { ApiRequestError } from "@/components/hooks/api-client";
import type { ApiKeyView } from "@/components/hooks/api-types";
import { useUpdateApiKeyMutation } from "@/components/hooks/mutations/use-update-api-key-mutation";
import { describeKeyEdit, draftOfKey, keyFieldErrorsFrom, parseKeyEdit, type KeyFormDraft, type KeyFormErrors, type KeyFormField } from "./key-form";
import { KeyFormFields } from "./key-form-fields";

/**
 * Edits a key's settings in a modal on the native <dialog> (focus stays inside, Escape closes), prefilled with the
 * key as it is. Only what changed is sent; the server's objections are shown beside their fields. The key itself
 * never changes: a client keeps using the same secret.
 */
export function EditKeyDialog({ apiKey, onClose, onSaved }: { apiKey: ApiKeyView | null; onClose: () => void; onSaved: (message: string) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (apiKey && !dialog.open) dialog.showModal();
    if (!apiKey && dialog.open) dialog.close();
  }, [apiKey]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      data-testid="edit-key-dialog"
      style={{ width: "min(780px, calc(100vw - 32px))" }}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      {apiKey ? <EditKeyForm key={apiKey.id} apiKey={apiKey} titleId={titleId} onBusyChange={setBusy} onClose={onClose} onSaved={onSaved} /> : null}
    </dialog>
  );
}

function EditKeyForm({
  apiKey,
  titleId,
  onBusyChange,
  onClose,
  onSaved,
}: {
  apiKey: ApiKeyView;
  titleId: string;
  onBusyChange: (busy: boolean) => void;
  onClose: () => void;
  onSaved: (message: string) => void;
}) {
  // The settings as they were when the dialog opened: what "changed" is measured against.
  const [initial] = useState(() => draftOfKey(apiKey));
  const [draft, setDraft] = useState<KeyFormDraft>(initial);
  const [errors, setErrors] = useState<KeyFormErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const update = useUpdateApiKeyMutation();
  useEffect(() => onBusyChange(update.isPending), [update.isPending, onBusyChange]);

  const edit = <Field extends keyof KeyFormDraft>(field: Field, value: KeyFormDraft[Field]) => {
    setDraft((current) => ({ ...current, [field]: value }));
    setErrors((current) => {
      const next = { ...current };
      delete next[field as KeyFormField];
      return next;
    });
    setFormError(null);
  };

  const showServerError = (error: unknown) => {
    if (error instanceof ApiRequestError && error.issues.length > 0) {
      const placed = keyFieldErrorsFrom(error.issues);
      setErrors(placed.errors);
      setFormError(placed.rest.length > 0 ? placed.rest.join("; ") : null);
    } else setFormError(error instanceof Error ? error.message : String(error));
  };

  const submit = () => {
    const parsed = parseKeyEdit(initial, draft);
    if (!parsed.ok) return setErrors(parsed.errors);
    if (Object.keys(parsed.body).length === 0) {
      onSaved(`No changes to ${apiKey.name}.`);
      return onClose();
    }
    update.mutate(
      { id: apiKey.id, body: parsed.body },
      {
        onSuccess: (saved) => {
          onSaved(`Saved ${saved.name}: ${describeKeyEdit(parsed.body, saved)}.`);
          onClose();
        },
        onError: showServerError,
      },
    );
  };

  return (
    <form
      aria-labelledby={titleId}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!update.isPending) submit();
      }}
    >
      <h2 id={titleId}>
        Edit {apiKey.name} <code className="small">{apiKey.prefix}…</code>
      </h2>
      <p className="muted small">Changes apply from the key&apos;s next request; requests in flight finish as they started. The key itself stays the same.</p>
      <KeyFormFields draft={draft} errors={errors} onEdit={edit} />
      {formError ? (
        <p className="form-error" role="alert" data-testid="edit-key-error">
          {formError}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" onClick={onClose} disabled={update.isPending}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save changes"}
        </button>
      </div>
    </form>
  );
}
