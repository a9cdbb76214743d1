import { describe, expect, test } from "vitest";
import { draftsFromRoutes, fieldErrorsFrom, moveItem, parseWholeNumber, routesFromDrafts, type RouteDraft } from "./route-drafts";

const routes = {
  fast: ["qwen-7b", "qwen-32b"],
  "qwen2.5-7b": ["qwen-7b"],
  auto: { auto: { fast: "fast", deep: "reasoning", longPromptTokens: 3000, spillQueueDepth: 8 } },
};

describe("route drafts", () => {
  test("a round trip through the editor changes nothing", () => {
    expect(routesFromDrafts(draftsFromRoutes(routes))).toEqual({ ok: true, routes });
  });

  test("a picked order is saved as picked", () => {
    const drafts = draftsFromRoutes(routes).map((d): RouteDraft => (d.kind === "candidates" && d.name === "fast" ? { ...d, candidates: moveItem(d.candidates, 1, -1) } : d));
    expect(routesFromDrafts(drafts)).toMatchObject({ ok: true, routes: { fast: ["qwen-32b", "qwen-7b"] } });
  });

  test("moving stops at the ends", () => {
    expect(moveItem(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
    expect(moveItem(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    expect(moveItem(["a", "b", "c"], 2, 5)).toEqual(["a", "b", "c"]);
  });

  test("form mistakes are caught before the server sees them, each on its field", () => {
    const [fast, , auto] = draftsFromRoutes(routes) as [RouteDraft & { kind: "candidates" }, RouteDraft, RouteDraft & { kind: "auto" }];
    expect(routesFromDrafts([{ ...fast, candidates: [] }])).toEqual({ ok: false, errors: { byDraft: { [fast.key]: { candidates: "Pick at least one backend." } }, form: [] } });
    expect(routesFromDrafts([fast, { ...fast, key: "other" }])).toMatchObject({ ok: false, errors: { byDraft: { other: { name: 'There are two routes named "fast".' } } } });
    expect(routesFromDrafts([{ ...fast, name: " " }])).toMatchObject({ ok: false, errors: { byDraft: { [fast.key]: { name: "Every route needs a name." } } } });
    expect(routesFromDrafts([fast, { ...auto, longPromptTokens: "3k" }])).toMatchObject({ ok: false, errors: { byDraft: { [auto.key]: { longPromptTokens: expect.any(String) } } } });
  });

  test("the server's issue paths land on the field that caused them, route names with dots included", () => {
    const drafts = draftsFromRoutes({ ...routes, qwen2: ["qwen-14b"] });
    const errors = fieldErrorsFrom(
      [
        { path: "routes.fast.1", message: 'unknown backend "nope"' },
        { path: "routes.qwen2.5-7b.0", message: 'unknown backend "x"' },
        { path: "routes.auto.auto.deep", message: 'unknown route "reasoning"' },
        { path: "backends", message: "something else" },
      ],
      drafts,
    );
    expect(errors).toEqual({
      byDraft: {
        "route-fast": { candidates: 'unknown backend "nope"' },
        "route-qwen2.5-7b": { candidates: 'unknown backend "x"' },
        "route-auto": { deep: 'unknown route "reasoning"' },
      },
      form: ["backends: something else"],
    });
  });

  test("whole numbers only", () => {
    expect(parseWholeNumber("16", 1)).toBe(16);
    expect(parseWholeNumber("0", 1)).toBeNull();
    expect(parseWholeNumber("0", 0)).toBe(0);
    expect(parseWholeNumber("1.5", 0)).toBeNull();
    expect(parseWholeNumber("", 0)).toBeNull();
  });
});
