"use client";

import Link from "next/link";
import { useState } from "react";
import { useRevokeApiKeyMutation } from "@/components/hooks/mutations/use-revoke-api-key-mutation";
import { useApiKeysQuery } from "@/components/hooks/queries/use-api-keys-query";
import { useStatusQuery } from "@/components/hooks/queries/use-status-query";
import { useUsageQuery } from "@/components/hooks/queries/use-usage-query";
import type { ApiKeyView, CreatedApiKey } from "@/components/hooks/api-types";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { useNow } from "@/components/ui/use-now";
import { usageWindow } from "@/components/usage/usage-view";
import { CreatedKeyDialog } from "./created-key-dialog";
import { CreateKeyForm } from "./create-key-form";
import { EditKeyDialog } from "./edit-key-dialog";
import { keyUsageById } from "./key-usage";
import { KeysTable } from "./keys-table";

/** API keys for /v1: create one (shown once), see each key's limits and last use, edit its settings, revoke. */
export function KeysPage() {
  const keys = useApiKeysQuery();
  const { data: status } = useStatusQuery();
  // The plaintext key lives here only while its dialog is open.
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyView | null>(null);
  const [editing, setEditing] = useState<ApiKeyView | null>(null);
  // The last edit's or revocation's confirmation, shown above the table until the next one.
  const [saved, setSaved] = useState<string | null>(null);
  const revoke = useRevokeApiKeyMutation();
  // Each key's use over the last day and week, from the usage rollups (refreshed as requests finish).
  const now = useNow(60_000);
  const day = useUsageQuery({ ...usageWindow("24h", now), groupBy: "apiKeyId" });
  const week = useUsageQuery({ ...usageWindow("7d", now), groupBy: "apiKeyId" });
  const usage = day.data || week.data ? keyUsageById(day.data, week.data) : null;

  const closeRevoke = () => {
    revoke.reset();
    setRevoking(null);
  };

  return (
    <>
      <div className="page-header">
        <h1>API keys</h1>
        <span className="muted small">
          Clients of <code>/v1</code> send a key as <code>Authorization: Bearer …</code> or <code>x-api-key</code>.
        </span>
      </div>
      {status?.auth === "open" ? (
        <div className="banners">
          <div className="banner" role="status" data-testid="keys-auth-open">
            This lab runs with <code>auth: open</code>: <code>/v1</code> does not check API keys, so the keys below are neither required nor enforced
            (limits, model lists, revocation) and record no use. Set <code>auth: keys</code> in the config to enforce them.
          </div>
        </div>
      ) : null}
      <section className="panel" aria-labelledby="create-key-heading">
        <h2 id="create-key-heading">Create a key</h2>
        <CreateKeyForm onCreated={setCreated} />
      </section>
      <section className="panel" aria-labelledby="keys-heading">
        <div className="toolbar" style={{ justifyContent: "space-between" }}>
          <h2 id="keys-heading">Keys</h2>
          <Link href="/usage?groupBy=apiKeyId&range=7d" className="small">
            Usage by key over time
          </Link>
        </div>
        {keys.isPending ? <Loading label="Loading the API keys…" /> : null}
        {keys.error ? <ErrorState title="Cannot read the API keys" error={keys.error} onRetry={() => void keys.refetch()} /> : null}
        {keys.data && keys.data.rows.length === 0 ? <Empty>No API keys yet. Create one above, or with <code>npm run keys</code>.</Empty> : null}
        <p role="status" className="form-ok" data-testid="key-saved">
          {saved}
        </p>
        {keys.data && keys.data.rows.length > 0 ? (
          <KeysTable
            keys={keys.data.rows}
            usage={usage}
            onEdit={(key) => {
              setSaved(null);
              setEditing(key);
            }}
            onRevoke={setRevoking}
          />
        ) : null}
      </section>
      <CreatedKeyDialog created={created} onClose={() => setCreated(null)} />
      <EditKeyDialog apiKey={editing} onClose={() => setEditing(null)} onSaved={setSaved} />
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke ${revoking?.name ?? ""}?`}
        confirmLabel="Revoke key"
        tone="danger"
        busy={revoke.isPending}
        error={revoke.error?.message}
        onCancel={closeRevoke}
        onConfirm={() => {
          if (!revoking) return;
          const { name, prefix } = revoking;
          revoke.mutate(revoking.id, {
            onSuccess: () => {
              // Without it the previous edit's "Saved …" stayed up, as if the revocation had not happened.
              setSaved(`Revoked ${name} (${prefix}…).`);
              closeRevoke();
            },
          });
        }}
      >
        <p>
          Requests with <code>{revoking?.prefix}…</code> get 401 from now on{status?.auth === "open" ? " (once this lab checks keys)" : ""}. This cannot be undone: a
          client that still needs access needs a new key.
        </p>
      </ConfirmDialog>
    </>
  );
}
