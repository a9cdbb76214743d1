import { expect, test } from "vitest";
import { ConfigError, formatIssue, parseLabConfig } from "./parse";

const minimal = `
runtime: none
backends:
  a: { url: http://127.0.0.1:9001, servedModel: model-a }
modes:
  only: { backends: [a] }
`;

function rejection(text: string): string {
  try {
    parseLabConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue).join("; ");
    throw error;
  }
  throw new Error("expected the config to be rejected");
}

test("no energyPrice: none (the console shows Wh only); a price with its currency, EUR when unnamed", () => {
  expect(parseLabConfig(minimal).energyPrice).toBeNull();
  expect(parseLabConfig(`${minimal}energyPrice: { perKwh: 0.42, currency: "€" }\n`).energyPrice).toEqual({ perKwh: 0.42, currency: "€" });
  expect(parseLabConfig(`${minimal}energyPrice: { perKwh: 0.3 }\n`).energyPrice).toEqual({ perKwh: 0.3, currency: "EUR" });
});

test("a negative price, a missing one or an unknown field is refused, naming the field", () => {
  expect(rejection(`${minimal}energyPrice: { perKwh: -1 }\n`)).toContain("energyPrice.perKwh");
  expect(rejection(`${minimal}energyPrice: { currency: EUR }\n`)).toContain("energyPrice.perKwh");
  expect(rejection(`${minimal}energyPrice: { perKwh: 0.3, cents: true }\n`)).toContain("energyPrice");
});
