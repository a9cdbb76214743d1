import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";

// The console's colour pairs held to WCAG 2.x AA for normal text (4.5:1), read from the stylesheet's tokens so a
// palette change that breaks one fails here. The ratio is WCAG's: (L1 + 0.05) / (L2 + 0.05) of relative luminances.

const css = fs.readFileSync(path.join(__dirname, "../../app/globals.css"), "utf8");

function tokensOf(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`no ${selector} block in globals.css`);
  const block = css.slice(start, css.indexOf("}", start));
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)].map((m) => [m[1]!, m[2]!.toLowerCase()]));
}

const light = tokensOf(":root");
const dark = { ...light, ...tokensOf(':root[data-theme="dark"]') };
const darkByPreference = { ...light, ...tokensOf(':root:not([data-theme="light"])') };

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** [text token, background token]: every pair the console draws text with. */
const PAIRS: [string, string][] = [
  ...["bg", "panel", "panel-2"].flatMap((bg): [string, string][] => [
    ["text", bg],
    ["muted", bg],
    ["accent", bg],
  ]),
  // Badges and states are coloured text on a card.
  ...["ok", "warn", "bad", "info"].map((tone): [string, string] => [tone, "panel"]),
  // The active nav link.
  ["nav-active-text", "nav-active-bg"],
  // Banners and the health strip: their words, the body text, the links and the muted times on each tint.
  ...["ok", "warn", "bad", "info"].flatMap((tone): [string, string][] => [
    [`${tone}-strong`, `${tone}-bg`],
    ["text", `${tone}-bg`],
    ["muted", `${tone}-bg`],
    ["accent", `${tone}-bg`],
  ]),
  // A hot or critical temperature on a GPU card.
  ["warn-strong", "panel"],
  ["bad-strong", "panel"],
];

describe("colour contrast (WCAG AA, 4.5:1)", () => {
  for (const [name, theme] of [
    ["light", light],
    ["dark", dark],
  ] as const) {
    test(`every text/background pair of the ${name} theme`, () => {
      const ratios = PAIRS.map(([fg, bg]) => {
        expect(theme[fg], `--${fg}`).toMatch(/^#/);
        expect(theme[bg], `--${bg}`).toMatch(/^#/);
        return { pair: `${fg} on ${bg}`, ratio: Math.round(contrastRatio(theme[fg]!, theme[bg]!) * 100) / 100 };
      });
      expect(ratios.filter((r) => r.ratio < 4.5)).toEqual([]);
    });
  }

  test("the dark theme chosen in the toggle and the one by system preference are the same palette", () => {
    expect(darkByPreference).toEqual(dark);
  });

  test("the ratio is WCAG's: black on white is 21:1, a colour on itself 1:1", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#2563eb", "#2563eb")).toBe(1);
  });
});
