import type { CreateApiKeyBody } from "@/components/hooks/api-types";

/** The create-key form as typed: numbers stay text until they are parsed, so a half-typed value is not lost. */
export interface KeyFormDraft {
  name: string;
  /** Checked model names; none = every model. */
  allowedModels: string[];
  lane: "interactive" | "batch";
  concurrency: string;
  requestsPerMinute: string;
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
  expiresIn: "",
  captureBodies: false,
};

export type KeyFormField = "name" | "concurrency" | "requestsPerMinute";

export type KeyFormResult = { ok: true; body: CreateApiKeyBody } | { ok: false; errors: Partial<Record<KeyFormField, string>> };

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
  const errors: Partial<Record<KeyFormField, string>> = {};
  const name = draft.name.trim();
  if (name === "") errors.name = "Name the key after who or what uses it.";
  const concurrency = parseOptionalLimit(draft.concurrency);
  if (concurrency === undefined) errors.concurrency = "A whole number above 0, or empty for no cap.";
  const requestsPerMinute = parseOptionalLimit(draft.requestsPerMinute);
  if (requestsPerMinute === undefined) errors.requestsPerMinute = "A whole number above 0, or empty for no limit.";
  // (The undefined checks repeat the errors above for the compiler's sake.)
  if (Object.keys(errors).length > 0 || concurrency === undefined || requestsPerMinute === undefined) return { ok: false, errors };

  const expiresIn = draft.expiresIn.trim();
  return {
    ok: true,
    body: {
      name,
      allowedModels: [...new Set(draft.allowedModels)],
      lane: draft.lane,
      concurrency,
      requestsPerMinute,
      ...(expiresIn === "" ? {} : { expiresIn }),
      captureBodies: draft.captureBodies,
    },
  };
}
