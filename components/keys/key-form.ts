import type { ApiKeyView, CreateApiKeyBody, UpdateApiKeyBody } from "@/components/hooks/api-types";

/** The key form as typed (create and edit alike): numbers stay text until they are parsed, so a half-typed value is not lost. */
export interface KeyFormDraft {
  name: string;
  /** Checked model names; none = every model. */
  allowedModels: string[];
  lane: "interactive" | "batch";
  concurrency: string;
  requestsPerMinute: string;
  /** The model a request that names none gets; empty = none. */
  defaultModel: string;
  /** "30d", "12h", "2027-01-31"; empty = never. */
  expiresIn: string;
  captureBodies: boolean;
}

export const EMPTY_KEY_FORM: KeyFormDraft = {
  name: "",
  allowedModels: [],
  lane: "interactive",
  concurrency: "",
  requestsPerMinute: "",
  defaultModel: "",
  expiresIn: "",
  captureBodies: false,
};

/** The fields an error can be shown beside. */
export type KeyFormField = "name" | "allowedModels" | "concurrency" | "requestsPerMinute" | "defaultModel" | "expiresIn";

export type KeyFormErrors = Partial<Record<KeyFormField, string>>;

export type KeyFormResult = { ok: true; body: CreateApiKeyBody } | { ok: false; errors: KeyFormErrors };

/** An optional limit: empty = none (null), else a whole number above zero; undefined when it is neither. */
export function parseOptionalLimit(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  if (!/^\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return value > 0 && Number.isSafeInteger(value) ? value : undefined;
}

/**
 * The body of `POST /api/keys` from the form, or the mistakes a user can fix without asking the server. The
 * expiry is left to the server (it knows "now" and the accepted forms) and its message is shown as it comes.
 */
export function parseKeyForm(draft: KeyFormDraft): KeyFormResult {
  const errors: KeyFormErrors = {};
  const name = draft.name.trim();
  if (name === "") errors.name = "Name the key after who or what uses it.";
  const concurrency = parseOptionalLimit(draft.concurrency);
  if (concurrency === undefined) errors.concurrency = "A whole number above 0, or empty for no cap.";
  const requestsPerMinute = parseOptionalLimit(draft.requestsPerMinute);
  if (requestsPerMinute === undefined) errors.requestsPerMinute = "A whole number above 0, or empty for no limit.";
  // (The undefined checks repeat the errors above for the compiler's sake.)
  if (Object.keys(errors).length > 0 || concurrency === undefined || requestsPerMinute === undefined) return { ok: false, errors };

  const expiresIn = draft.expiresIn.trim();
  const defaultModel = draft.defaultModel.trim();
  return {
    ok: true,
    body: {
      name,
      allowedModels: [...new Set(draft.allowedModels)],
      lane: draft.lane,
      concurrency,
      requestsPerMinute,
      ...(defaultModel === "" ? {} : { defaultModel }),
      ...(expiresIn === "" ? {} : { expiresIn }),
      captureBodies: draft.captureBodies,
    },
  };
}

/** "2027-01-31T18:05Z": the key's expiry to the minute, in a form the server reads back (parseExpiry). */
function expiryText(iso: string | null): string {
  return iso === null ? "" : `${iso.slice(0, 16)}Z`;
}

/** The edit form prefilled with the key's settings. */
export function draftOfKey(key: ApiKeyView): KeyFormDraft {
  return {
    name: key.name,
    allowedModels: key.allowedModels ?? [],
    lane: key.lane,
    concurrency: key.concurrency === null ? "" : String(key.concurrency),
    requestsPerMinute: key.requestsPerMinute === null ? "" : String(key.requestsPerMinute),
    defaultModel: key.defaultModel ?? "",
    expiresIn: expiryText(key.expiresAt),
    captureBodies: key.captureBodies,
  };
}

export type KeyEditResult = { ok: true; body: UpdateApiKeyBody } | { ok: false; errors: KeyFormErrors };

const sameModels = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((model) => b.includes(model));

/**
 * The body of `PATCH /api/keys/{id}`: the same checks as creating, then only the fields that differ from the
 * prefilled draft (an empty body changes nothing). An expiry emptied is "never" (`expiresAt: null`); one retyped
 * goes to the server as typed.
 */
export function parseKeyEdit(initial: KeyFormDraft, draft: KeyFormDraft): KeyEditResult {
  const parsed = parseKeyForm(draft);
  if (!parsed.ok) return parsed;
  const next = parsed.body;
  const body: UpdateApiKeyBody = {};
  if (next.name !== initial.name) body.name = next.name;
  if (!sameModels(next.allowedModels ?? [], initial.allowedModels)) body.allowedModels = next.allowedModels;
  if (next.lane !== initial.lane) body.lane = next.lane;
  if (draft.concurrency.trim() !== initial.concurrency) body.concurrency = next.concurrency;
  if (draft.requestsPerMinute.trim() !== initial.requestsPerMinute) body.requestsPerMinute = next.requestsPerMinute;
  if (draft.defaultModel.trim() !== initial.defaultModel) body.defaultModel = next.defaultModel ?? null;
  const expiry = draft.expiresIn.trim();
  if (expiry !== initial.expiresIn) {
    if (expiry === "") body.expiresAt = null;
    else body.expiresIn = expiry;
  }
  if (next.captureBodies !== initial.captureBodies) body.captureBodies = next.captureBodies;
  return { ok: true, body };
}

const fieldOfPath: Record<string, KeyFormField> = {
  name: "name",
  allowedModels: "allowedModels",
  concurrency: "concurrency",
  requestsPerMinute: "requestsPerMinute",
  defaultModel: "defaultModel",
  expiresIn: "expiresIn",
  expiresAt: "expiresIn",
};

/**
 * The server's issues (paths into the body: `requestsPerMinute`, `allowedModels.2`, `expiresAt`) placed on the
 * form's fields; `rest` holds those no field shows, for the form's own error line.
 */
export function keyFieldErrorsFrom(issues: readonly { path: string; message: string }[]): { errors: KeyFormErrors; rest: string[] } {
  const errors: KeyFormErrors = {};
  const rest: string[] = [];
  for (const issue of issues) {
    const field = fieldOfPath[issue.path.split(".")[0] ?? ""];
    if (field) errors[field] ??= issue.message;
    else rest.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
  }
  return { errors, rest };
}

const editLabels: Record<keyof UpdateApiKeyBody, string> = {
  name: "name",
  allowedModels: "models",
  lane: "lane",
  concurrency: "concurrency cap",
  requestsPerMinute: "requests/min",
  defaultModel: "default model",
  expiresIn: "expires",
  expiresAt: "expires",
  captureBodies: "body capture",
};

/** "requests/min 10, models fast": what a saved edit set, from the key as the server answered it. */
export function describeKeyEdit(body: UpdateApiKeyBody, saved: ApiKeyView): string {
  const values: Record<keyof UpdateApiKeyBody, string> = {
    name: saved.name,
    allowedModels: saved.allowedModels?.join(", ") ?? "all",
    lane: saved.lane,
    concurrency: saved.concurrency === null ? "none" : String(saved.concurrency),
    requestsPerMinute: saved.requestsPerMinute === null ? "no limit" : String(saved.requestsPerMinute),
    defaultModel: saved.defaultModel ?? "none",
    expiresIn: saved.expiresAt === null ? "never" : new Date(saved.expiresAt).toLocaleString(),
    expiresAt: saved.expiresAt === null ? "never" : new Date(saved.expiresAt).toLocaleString(),
    captureBodies: saved.captureBodies ? "on" : "off",
  };
  const fields = (Object.keys(editLabels) as (keyof UpdateApiKeyBody)[]).filter((field) => body[field] !== undefined);
  return fields.map((field) => `${editLabels[field]} ${values[field]}`).join(", ");
}
