import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isMap, isNode, parseDocument, type Node } from "yaml";
import { planLimitsEdit, planRoutesEdit } from "./edits";
import { parseLabConfig } from "./parse";
import { spliceYaml } from "./splice";

// Property tests of the splice writer: for configs written in many styles (flow and block lists and maps, padded
// brackets, trailing comments aligned with spaces, comment lines, blank lines, CRLF), an edit of one route or one
// backend's limits changes bytes only inside that node (or, for a new key, inside the map it is added to), and the
// result parses to the intended config.

const BACKENDS = ["a", "b", "c"] as const;

interface Style {
  eol: "\n" | "\r\n";
  backendFlow: boolean[];
  backendLimit: (number | null)[];
  routes: { name: string; candidates: string[]; style: "flow" | "padded" | "block"; comment: string | null; commentGap: number }[];
  commentLines: boolean;
  blankLines: boolean;
}

const candidates = fc.shuffledSubarray([...BACKENDS], { minLength: 1 });
const comment = fc.option(fc.constantFrom("# why", "# the big one: keep it", "#tight"), { nil: null });

const styleArb: fc.Arbitrary<Style> = fc.record({
  eol: fc.constantFrom("\n" as const, "\r\n" as const),
  backendFlow: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  backendLimit: fc.array(fc.option(fc.integer({ min: 1, max: 64 }), { nil: null }), { minLength: 3, maxLength: 3 }),
  routes: fc.uniqueArray(
    fc.record({ name: fc.constantFrom("fast", "deep", "reasoning", "qwen2.5-7b", "x"), candidates, style: fc.constantFrom("flow" as const, "padded" as const, "block" as const), comment, commentGap: fc.integer({ min: 1, max: 12 }) }),
    { minLength: 1, maxLength: 4, selector: (route) => route.name },
  ),
  commentLines: fc.boolean(),
  blankLines: fc.boolean(),
});

function render(style: Style): string {
  const lines: string[] = [];
  if (style.commentLines) lines.push("# A lab config, written by hand");
  lines.push("runtime: none", "backends:");
  BACKENDS.forEach((id, i) => {
    const limit = style.backendLimit[i];
    if (style.backendFlow[i]) {
      lines.push(`  ${id}: { url: "http://127.0.0.1:900${i}", servedModel: model-${id}${limit === null ? "" : `, maxConcurrency: ${limit}`} }`);
    } else {
      lines.push(`  ${id}:`, `    url: http://127.0.0.1:900${i}   # port ${i}`, `    servedModel: 'model-${id}'`);
      if (limit !== null) lines.push(`    maxConcurrency: ${limit}`);
    }
  });
  if (style.blankLines) lines.push("");
  lines.push("modes:", "  only: { backends: [a, b, c] }", "routes:");
  for (const route of style.routes) {
    if (style.commentLines) lines.push(`  # ${route.name}`);
    const gap = " ".repeat(route.commentGap);
    const tail = route.comment ? `${gap}${route.comment}` : "";
    if (route.style === "block") {
      lines.push(`  ${route.name}:${tail}`, ...route.candidates.map((id) => `    - ${id}`));
    } else {
      const pad = route.style === "padded" ? " " : "";
      lines.push(`  ${route.name}: [${pad}${route.candidates.join(", ")}${pad}]${tail}`);
    }
    if (style.blankLines) lines.push("");
  }
  lines.push("gateway: { retryAfterSeconds: 5 }   # trailing section", "");
  return lines.join(style.eol);
}

/** [start, end) of the value at `path` in `text` (a block collection ends at its last item's text). */
function nodeSpan(text: string, path: string[]): [number, number] {
  const doc = parseDocument(text);
  const node = doc.getIn(path, true) as Node;
  expect(isNode(node)).toBe(true);
  const end = (n: Node): number => {
    if (isMap(n) && !n.flow && n.items.length > 0) return end(n.items.at(-1)!.value as Node);
    if ("items" in n && !(n as { flow?: boolean }).flow && Array.isArray((n as { items: unknown[] }).items) && (n as { items: Node[] }).items.length > 0) return end((n as { items: Node[] }).items.at(-1)!);
    return n.range![1];
  };
  return [node.range![0], end(node)];
}

/** Every byte of `before` outside [start, end) is in `after`, unmoved from the start and from the end. */
function expectWithin(outer: [number, number], before: string, after: string): void {
  const kept = after.length >= outer[0] + (before.length - outer[1]) && after.startsWith(before.slice(0, outer[0])) && after.endsWith(before.slice(outer[1]));
  if (!kept) throw new Error(`bytes outside the node ${outer} changed\n--- before\n${before}\n--- after\n${after}`);
}

describe("the splice writer keeps every byte outside the edited node", () => {
  test("a route's candidates replaced", () => {
    fc.assert(
      fc.property(styleArb, fc.nat(), candidates, (style, pick, next) => {
        const text = render(style);
        const route = style.routes[pick % style.routes.length]!;
        const routes = Object.fromEntries(style.routes.map((r) => [r.name, r.name === route.name ? next : r.candidates]));
        const planned = planRoutesEdit(text, "test.yaml", routes);
        expect(parseLabConfig(planned.text).routes).toEqual(routes);
        if (route.candidates.join() === next.join()) {
          expect(planned.text).toBe(text);
          return;
        }
        expectWithin(nodeSpan(text, ["routes", route.name]), text, planned.text);
        // The style of the list is kept.
        const after = planned.text.slice(nodeSpan(planned.text, ["routes", route.name])[0]);
        if (route.style === "block") expect(after.startsWith("- ")).toBe(true);
        if (route.style === "padded") expect(after.startsWith("[ ")).toBe(true);
        if (route.style === "flow") expect(after.startsWith(`[${next[0]}`)).toBe(true);
        expect(planned.text.includes("\r\n")).toBe(style.eol === "\r\n");
        if (style.eol === "\r\n") expect(/[^\r]\n/.test(planned.text)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  test("a backend's limit set (replaced where written, else added to its map in the map's style)", () => {
    fc.assert(
      fc.property(styleArb, fc.nat({ max: 2 }), fc.integer({ min: 1, max: 500 }), (style, index, limit) => {
        const text = render(style);
        const id = BACKENDS[index]!;
        const planned = planLimitsEdit(text, "test.yaml", id, { maxConcurrency: limit });
        expect(parseLabConfig(planned.text).backends[id]?.maxConcurrency).toBe(limit);
        const existing = style.backendLimit[index];
        if ((existing ?? 32) === limit) {
          expect(planned.text).toBe(text);
          return;
        }
        const outer = existing === null ? nodeSpan(text, ["backends", id]) : nodeSpan(text, ["backends", id, "maxConcurrency"]);
        // A key added to a block map goes on a line of its own right after the map's last entry.
        expectWithin(existing === null && !style.backendFlow[index] ? [outer[0], outer[1] + style.eol.length + 1] : outer, text, planned.text);
        if (style.backendFlow[index]) expect(planned.text.split(style.eol).length).toBe(text.split(style.eol).length);
      }),
      { numRuns: 150 },
    );
  });

  test("a route deleted takes its lines (and the comment lines right above it) only; a route added is one new line, after the last route", () => {
    fc.assert(
      fc.property(styleArb, fc.nat(), candidates, (style, pick, extra) => {
        fc.pre(style.routes.length > 1);
        const text = render(style);
        const gone = style.routes[pick % style.routes.length]!;
        const routes = Object.fromEntries([...style.routes.filter((r) => r !== gone).map((r) => [r.name, r.candidates]), ["added-route", extra]]);
        const planned = planRoutesEdit(text, "test.yaml", routes);
        const config = parseLabConfig(planned.text);
        expect(config.routes).toEqual(routes);
        expect(planned.changes.map((c) => c.action).sort()).toEqual(["created", "deleted"]);
        // Without the added route's lines, the file is the original without the deleted route's. (The line diff may
        // align repeated lines such as "- a" either way, so the text itself is compared.)
        const lines = planned.text.split(style.eol);
        const at = lines.findIndex((line) => line.startsWith("  added-route:"));
        expect(at).toBeGreaterThan(0);
        let end = at + 1;
        while (lines[end]?.startsWith("    - ")) end += 1;
        lines.splice(at, end - at);
        // Blank lines around the deleted route may stay: they are the operator's spacing, not the route's.
        const nonBlank = (text: string) => text.split(style.eol).filter((line) => line !== "");
        expect(nonBlank(lines.join(style.eol))).toEqual(nonBlank(render({ ...style, routes: style.routes.filter((r) => r !== gone) })));
      }),
      { numRuns: 100 },
    );
  });
});

describe("splices in odd places", () => {
  test("a new key under a path that does not exist yet is created with its parents", () => {
    expect(spliceYaml("runtime: none\n", [{ path: ["routes", "fast"], value: ["a"] }])).toBe("runtime: none\nroutes:\n  fast: [a]\n");
    expect(spliceYaml("a: 1 # c", [{ path: ["b"], value: 2 }])).toBe("a: 1 # c\nb: 2\n");
  });

  test("strings that need quotes get them, in flow lists too", () => {
    expect(spliceYaml("r: [a]\n", [{ path: ["r"], value: ["x,y", "true", "plain"] }])).toBe('r: ["x,y", "true", plain]\n');
    expect(spliceYaml('u: "http://x"\n', [{ path: ["u"], value: "http://y" }])).toBe('u: "http://y"\n');
  });

  test("the last entry of a nested map deleted leaves an empty map", () => {
    expect(spliceYaml("routes:\n  fast: [a]\nx: 1\n", [{ path: ["routes", "fast"], value: undefined }])).toBe("routes: {}\nx: 1\n");
    expect(spliceYaml("routes: { fast: [a], slow: [b] }\n", [{ path: ["routes", "fast"], value: undefined }])).toBe("routes: { slow: [b] }\n");
    expect(spliceYaml("routes: { fast: [a], slow: [b] }\n", [{ path: ["routes", "slow"], value: undefined }])).toBe("routes: { fast: [a] }\n");
  });
});
