import type { RoutingView } from "@/components/hooks/api-types";

/**
 * The routes as the editor holds them: an ordered list of backends per route (picked, never typed), the automatic
 * route's sides and thresholds as typed text. Only the form is checked here (names, empty lists, numbers); whether
 * the result is a valid config is the server's call, and its issues come back as field paths (`fieldErrorsFrom`).
 */
export type RouteDraft =
  | { key: string; name: string; kind: "candidates"; candidates: string[] }
  | { key: string; name: string; kind: "auto"; fast: string; deep: string; longPromptTokens: string; spillQueueDepth: string };

export type Routes = RoutingView["routes"];

export type DraftField = "name" | "candidates" | "fast" | "deep" | "longPromptTokens" | "spillQueueDepth";

/** Errors by draft key and field; `form` holds what belongs to no one field. */
export interface FieldErrors {
  byDraft: Record<string, Partial<Record<DraftField, string>>>;
  form: string[];
}

export const noErrors = (): FieldErrors => ({ byDraft: {}, form: [] });
export const hasErrors = (errors: FieldErrors): boolean => errors.form.length > 0 || Object.keys(errors.byDraft).length > 0;

let nextKey = 0;
export const newDraftKey = (): string => `draft-${nextKey++}`;

export function draftsFromRoutes(routes: Routes): RouteDraft[] {
  return Object.entries(routes).map(([name, route]): RouteDraft => {
    if (Array.isArray(route)) return { key: `route-${name}`, name, kind: "candidates", candidates: [...route] };
    return {
      key: `route-${name}`,
      name,
      kind: "auto",
      fast: route.auto.fast,
      deep: route.auto.deep,
      longPromptTokens: String(route.auto.longPromptTokens),
      spillQueueDepth: String(route.auto.spillQueueDepth),
    };
  });
}

/** The list with the item at `index` moved by `by` places (clamped to the ends). */
export function moveItem<T>(items: readonly T[], index: number, by: number): T[] {
  const target = Math.min(Math.max(index + by, 0), items.length - 1);
  if (index < 0 || index >= items.length || target === index) return [...items];
  const next = [...items];
  const [item] = next.splice(index, 1);
  next.splice(target, 0, item!);
  return next;
}

/** A whole number >= min from a text field, or null. */
export function parseWholeNumber(text: string, min: number): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min ? value : null;
}

export type DraftResult = { ok: true; routes: Routes } | { ok: false; errors: FieldErrors };

function addError(errors: FieldErrors, key: string, field: DraftField, message: string): void {
  const fields = (errors.byDraft[key] ??= {});
  fields[field] ??= message;
}

export function routesFromDrafts(drafts: readonly RouteDraft[]): DraftResult {
  const routes: Routes = {};
  const errors = noErrors();
  for (const draft of drafts) {
    const name = draft.name.trim();
    if (!name) addError(errors, draft.key, "name", "Every route needs a name.");
    else if (Object.hasOwn(routes, name)) addError(errors, draft.key, "name", `There are two routes named "${name}".`);
    if (draft.kind === "candidates") {
      if (draft.candidates.length === 0) addError(errors, draft.key, "candidates", "Pick at least one backend.");
      if (name) routes[name] = [...draft.candidates];
    } else {
      const longPromptTokens = parseWholeNumber(draft.longPromptTokens, 1);
      const spillQueueDepth = parseWholeNumber(draft.spillQueueDepth, 1);
      if (longPromptTokens === null) addError(errors, draft.key, "longPromptTokens", "A whole number of tokens, 1 or more.");
      if (spillQueueDepth === null) addError(errors, draft.key, "spillQueueDepth", "A whole number, 1 or more.");
      if (name && longPromptTokens !== null && spillQueueDepth !== null) routes[name] = { auto: { fast: draft.fast.trim(), deep: draft.deep.trim(), longPromptTokens, spillQueueDepth } };
    }
  }
  return hasErrors(errors) ? { ok: false, errors } : { ok: true, routes };
}

const autoFields: Record<string, DraftField> = { fast: "fast", deep: "deep", longPromptTokens: "longPromptTokens", spillQueueDepth: "spillQueueDepth" };

/**
 * The server's issues (paths into the config: `routes.fast.1`, `routes.auto.auto.deep`) placed on the drafts' fields.
 * Route names may hold dots (`qwen2.5-7b`), so a path is matched against the names the form has, longest first.
 */
export function fieldErrorsFrom(issues: readonly { path: string; message: string }[], drafts: readonly RouteDraft[]): FieldErrors {
  const errors = noErrors();
  const byName = [...drafts].filter((d) => d.name.trim()).sort((a, b) => b.name.trim().length - a.name.trim().length);
  for (const issue of issues) {
    const draft = byName.find((d) => issue.path === `routes.${d.name.trim()}` || issue.path.startsWith(`routes.${d.name.trim()}.`));
    if (!draft) {
      errors.form.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
      continue;
    }
    const rest = issue.path.slice(`routes.${draft.name.trim()}`.length + 1).split(".");
    const field = draft.kind === "auto" ? (autoFields[rest[1] ?? ""] ?? "fast") : "candidates";
    addError(errors, draft.key, field, issue.message);
  }
  return errors;
}
