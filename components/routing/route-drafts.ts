import type { RoutingView } from "@/components/hooks/api-types";

/**
 * The routes as the editor holds them: text the operator types, turned back into the config's shape on save.
 * Only the form is checked here (names, lists, numbers); whether a backend or route exists is the config
 * validator's call, and its message is shown as the server sends it.
 */
export type RouteDraft =
  | { key: string; name: string; kind: "candidates"; candidates: string }
  | { key: string; name: string; kind: "auto"; fast: string; deep: string; longPromptTokens: string; spillQueueDepth: string };

export type Routes = RoutingView["routes"];

let nextKey = 0;
export const newDraftKey = (): string => `draft-${nextKey++}`;

export function draftsFromRoutes(routes: Routes): RouteDraft[] {
  return Object.entries(routes).map(([name, route]): RouteDraft => {
    if (Array.isArray(route)) return { key: `route-${name}`, name, kind: "candidates", candidates: route.join(", ") };
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

/** "qwen-7b, qwen-32b" (commas or spaces) -> ["qwen-7b", "qwen-32b"]. */
export function parseCandidates(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** A whole number >= min from a text field, or null. */
export function parseWholeNumber(text: string, min: number): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min ? value : null;
}

export type DraftResult = { ok: true; routes: Routes } | { ok: false; error: string; key: string };

export function routesFromDrafts(drafts: readonly RouteDraft[]): DraftResult {
  const routes: Routes = {};
  for (const draft of drafts) {
    const name = draft.name.trim();
    if (!name) return { ok: false, key: draft.key, error: "Every route needs a name." };
    if (name in routes) return { ok: false, key: draft.key, error: `There are two routes named "${name}".` };
    if (draft.kind === "candidates") {
      const candidates = parseCandidates(draft.candidates);
      if (candidates.length === 0) return { ok: false, key: draft.key, error: `Route "${name}" needs at least one backend.` };
      routes[name] = candidates;
    } else {
      const longPromptTokens = parseWholeNumber(draft.longPromptTokens, 1);
      const spillQueueDepth = parseWholeNumber(draft.spillQueueDepth, 1);
      if (longPromptTokens === null) return { ok: false, key: draft.key, error: `Route "${name}": the long-prompt threshold must be a whole number of tokens, 1 or more.` };
      if (spillQueueDepth === null) return { ok: false, key: draft.key, error: `Route "${name}": the spill queue depth must be a whole number, 1 or more.` };
      routes[name] = { auto: { fast: draft.fast.trim(), deep: draft.deep.trim(), longPromptTokens, spillQueueDepth } };
    }
  }
  return { ok: true, routes };
}
