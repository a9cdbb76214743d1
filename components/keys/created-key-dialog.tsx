"use client";

import { useEffect, useId, useRef, useState } from "react";
import type { CreatedApiKey } from "@/components/hooks/api-types";

type CopyState = "idle" | "copied" | "failed";

/**
 * The one time a new key is visible: a modal on the native <dialog> (focus stays inside, Escape closes) with the
 * key in a read-only field and a Copy button. The page drops the key from its state when this closes.
 */
export function CreatedKeyDialog({ created, onClose }: { created: CreatedApiKey | null; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const keyField = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const noteId = useId();
  const [copy, setCopy] = useState<CopyState>("idle");

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (created && !dialog.open) dialog.showModal();
    if (!created && dialog.open) dialog.close();
  }, [created]);

  const close = () => {
    setCopy("idle");
    onClose();
  };

  const copyKey = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopy("copied");
    } catch {
      // No clipboard access (an insecure origin, a denied permission): leave the key selected for Ctrl+C.
      keyField.current?.select();
      setCopy("failed");
    }
  };

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={noteId}
      data-testid="created-key-dialog"
      onCancel={(event) => {
        event.preventDefault();
        close();
      }}
    >
      {created ? (
        <>
          <h2 id={titleId}>Key created: {created.apiKey.name}</h2>
          <p id={noteId} className="banner" role="note">
            Copy this key now. <strong>You will not see it again</strong>: Switchyard stores only its hash. If it is lost, revoke it and create
            another.
          </p>
          <label style={{ display: "flex" }}>
            API key
            <input
              ref={keyField}
              className="mono"
              readOnly
              value={created.key}
              data-testid="created-key-value"
              onFocus={(event) => event.currentTarget.select()}
              spellCheck={false}
              autoComplete="off"
              style={{ width: "100%" }}
            />
          </label>
          <p className="small muted">
            Send it as <code>Authorization: Bearer &lt;key&gt;</code> or <code>x-api-key: &lt;key&gt;</code>.
          </p>
          <p role="status" aria-live="polite" className={copy === "failed" ? "form-error" : "form-ok"}>
            {copy === "copied" ? "Copied to the clipboard." : copy === "failed" ? "Cannot reach the clipboard: the key is selected, press Ctrl+C (⌘C)." : ""}
          </p>
          <div className="dialog-actions">
            <button type="button" onClick={() => void copyKey()} autoFocus>
              Copy
            </button>
            <button type="button" className="primary" onClick={close}>
              Done
            </button>
          </div>
        </>
      ) : null}
    </dialog>
  );
}
