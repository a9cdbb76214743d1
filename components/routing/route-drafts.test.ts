import { describe, expect, test } from "vitest";
import { draftsFromRoutes, parseCandidates, parseWholeNumber, routesFromDrafts, type RouteDraft } from "./route-drafts";

const routes = {
  fast: ["qwen-7b", "qwen-32b"],
  auto: { auto: { fast: "fast", deep: "reasoning", longPromptTokens: 3000, spillQueueDepth: 8 } },
};

describe("route drafts", () => {
  test("a round trip through the editor changes nothing", () => {
    const result = routesFromDrafts(draftsFromRoutes(routes));
    expect(result).toEqual({ ok: true, routes });
  });

  test("candidates are typed comma- or space-separated", () => {
    expect(parseCandidates(" qwen-14b,qwen-32b  qwen-7b ,")).toEqual(["qwen-14b", "qwen-32b", "qwen-7b"]);
  });

  test("an edited candidate list is saved in the typed order", () => {
    const drafts = draftsFromRoutes(routes).map((d): RouteDraft => (d.kind === "candidates" ? { ...d, candidates: "qwen-14b" } : d));
    expect(routesFromDrafts(drafts)).toMatchObject({ ok: true, routes: { fast: ["qwen-14b"] } });
  });

  test("form mistakes are caught before the server sees them", () => {
    const [fast, auto] = draftsFromRoutes(routes) as [RouteDraft & { kind: "candidates" }, RouteDraft & { kind: "auto" }];
    expect(routesFromDrafts([{ ...fast, candidates: " , " }])).toMatchObject({ ok: false, error: 'Route "fast" needs at least one backend.' });
    expect(routesFromDrafts([fast, { ...fast, key: "other" }])).toMatchObject({ ok: false, key: "other" });
    expect(routesFromDrafts([{ ...fast, name: " " }])).toMatchObject({ ok: false, error: "Every route needs a name." });
    expect(routesFromDrafts([fast, { ...auto, longPromptTokens: "3k" }])).toMatchObject({ ok: false, key: auto.key });
  });

  test("whole numbers only", () => {
    expect(parseWholeNumber("16", 1)).toBe(16);
    expect(parseWholeNumber("0", 1)).toBeNull();
    expect(parseWholeNumber("0", 0)).toBe(0);
    expect(parseWholeNumber("1.5", 0)).toBeNull();
    expect(parseWholeNumber("", 0)).toBeNull();
  });
});
