"use client";

import { useState } from "react";
import { REQUEST_LOG_OUTCOMES, type RequestLogOutcome } from "@/lib/request-log/record";
import { EMPTY_FILTER_FORM, filtersFromForm, TIME_RANGE_CHOICES, type RequestFilterForm as FormState } from "./request-filters";

/**
 * The request log's filters; applied on submit (Enter in any field), so typing does not refetch on every key. The
 * page keeps the applied form in the URL and passes it back as `initial` (keyed, so back/forward resets the form).
 */
export function RequestFilterForm({ models, backends, initial, onApply }: { models: string[]; backends: string[]; initial: FormState; onApply: (form: FormState) => void }) {
  const [form, setForm] = useState<FormState>(initial);
  const [error, setError] = useState<string | null>(null);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((current) => ({ ...current, [key]: value }));
  const apply = (next: FormState) => {
    const result = filtersFromForm(next, Date.now());
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setError(null);
    onApply(next);
  };
  const toggleOutcome = (outcome: RequestLogOutcome, on: boolean) => set("outcomes", on ? [...form.outcomes, outcome] : form.outcomes.filter((o) => o !== outcome));

  return (
    <form
      className="panel filters"
      aria-label="Filter requests"
      data-testid="request-filters"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        apply(form);
      }}
    >
      <label>
        Time
        <select value={form.range} onChange={(e) => set("range", e.target.value as FormState["range"])}>
          {TIME_RANGE_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {choice === "all" ? "all time" : choice === "custom" ? "custom…" : `last ${choice}`}
            </option>
          ))}
        </select>
      </label>
      {form.range === "custom" ? (
        <>
          <label>
            From
            <input type="datetime-local" value={form.from} onChange={(e) => set("from", e.target.value)} />
          </label>
          <label>
            To
            <input type="datetime-local" value={form.to} onChange={(e) => set("to", e.target.value)} />
          </label>
        </>
      ) : null}
      <label>
        Model
        <input list="request-filter-models" value={form.model} onChange={(e) => set("model", e.target.value)} size={12} placeholder="any" />
        <datalist id="request-filter-models">
          {models.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
      </label>
      <label>
        Backend
        <select value={form.backend} onChange={(e) => set("backend", e.target.value)}>
          <option value="">any</option>
          {backends.map((b) => (
            <option key={b}>{b}</option>
          ))}
        </select>
      </label>
      <label>
        Route
        <input value={form.route} onChange={(e) => set("route", e.target.value)} size={10} placeholder="any" />
      </label>
      <label>
        API key id
        <input value={form.key} onChange={(e) => set("key", e.target.value)} size={12} placeholder="any" />
      </label>
      <label>
        Client address
        <input value={form.client} onChange={(e) => set("client", e.target.value)} size={14} placeholder="any" />
      </label>
      <label>
        Status
        <input value={form.status} onChange={(e) => set("status", e.target.value)} size={9} placeholder="e.g. 503, 4xx" aria-invalid={error?.startsWith("Status") ?? false} />
      </label>
      <label>
        Stream
        <select value={form.stream} onChange={(e) => set("stream", e.target.value as FormState["stream"])}>
          <option value="any">any</option>
          <option value="true">streamed</option>
          <option value="false">not streamed</option>
        </select>
      </label>
      <label>
        Error text
        <input type="search" value={form.q} onChange={(e) => set("q", e.target.value)} size={18} placeholder="in message or code" />
      </label>
      <fieldset>
        <legend>Outcome</legend>
        <div className="outcomes">
          {REQUEST_LOG_OUTCOMES.map((outcome) => (
            <label key={outcome} className="inline small">
              <input type="checkbox" checked={form.outcomes.includes(outcome)} onChange={(e) => toggleOutcome(outcome, e.target.checked)} />
              {outcome.replace(/_/g, " ")}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="toolbar">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button
          type="button"
          onClick={() => {
            setForm(EMPTY_FILTER_FORM);
            apply(EMPTY_FILTER_FORM);
          }}
        >
          Reset
        </button>
      </div>
      {error ? (
        <p className="form-error" role="alert" style={{ flexBasis: "100%" }}>
          {error}
        </p>
      ) : null}
    </form>
  );
}
