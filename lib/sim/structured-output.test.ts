import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createRng } from "./random";
import { schemaProblems } from "./schema-check";
import { valueForSchema } from "./schema-values";
import { constrainedText, outputConstraint } from "./structured-output";

/** Random small schemas over the keywords the generator promises to honour. */
const leaf: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant("string") }, { requiredKeys: ["type"] }).chain((s) =>
    fc.record({ minLength: fc.integer({ min: 0, max: 5 }), extra: fc.integer({ min: 0, max: 20 }) }).map(({ minLength, extra }) => ({ ...s, minLength, maxLength: minLength + extra })),
  ),
  fc.record({ minimum: fc.integer({ min: -50, max: 50 }), span: fc.integer({ min: 0, max: 100 }) }).map(({ minimum, span }) => ({ type: "integer", minimum, maximum: minimum + span })),
  fc.constant({ type: "number", exclusiveMinimum: 0, maximum: 1 }),
  fc.constant({ type: "boolean" }),
  fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }).map((values) => ({ enum: values })),
  fc.constant({ type: ["string", "null"] }),
  fc.constant({ type: "string", format: "date-time" }),
);
const schema = fc.letrec<{ node: Record<string, unknown> }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({ items: tie("node"), minItems: fc.integer({ min: 0, max: 2 }) }).map((s) => ({ type: "array", ...s, maxItems: s.minItems + 2 })),
    fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), tie("node"), { maxKeys: 4 }).chain((properties) =>
      fc.subarray(Object.keys(properties)).map((required) => ({ type: "object", properties, required, additionalProperties: false })),
    ),
    fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((anyOf) => ({ anyOf })),
  ),
})).node;

describe("schema-driven generator", () => {
  test("every generated value validates against its schema (random schemas)", () => {
    fc.assert(
      fc.property(schema, fc.integer(), (s, seed) => {
        const value = valueForSchema(s, createRng(seed));
        expect(schemaProblems(value, s)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  test("the validator really rejects (it is what the property relies on)", () => {
    expect(schemaProblems({ a: 1 }, { type: "object", required: ["b"], properties: { a: { type: "string" } } })).toHaveLength(2);
    expect(schemaProblems(5, { type: "integer", maximum: 4 })).toHaveLength(1);
  });

  test("$defs references, nullable anyOf, and formats", () => {
    const s = {
      type: "object",
      properties: { people: { type: "array", items: { $ref: "#/$defs/person" }, minItems: 1 }, note: { anyOf: [{ type: "string" }, { type: "null" }] } },
      required: ["people", "note"],
      additionalProperties: false,
      $defs: { person: { type: "object", properties: { name: { type: "string" }, email: { type: "string", format: "email" } }, required: ["name", "email"] } },
    };
    for (let seed = 0; seed < 50; seed++) {
      const value = JSON.parse(constrainedText({ kind: "json", schema: s }, seed)) as { people: { email: string }[] };
      expect(schemaProblems(value, s)).toEqual([]);
      expect(value.people[0]?.email).toMatch(/^[a-z]+@example\.com$/);
    }
  });

  test("reads every spelling of the constraint", () => {
    const s = { type: "object", properties: { a: { type: "integer" } }, required: ["a"] };
    expect(outputConstraint({ response_format: { type: "json_object" } })).toEqual({ kind: "json", schema: null });
    expect(outputConstraint({ response_format: { type: "json_schema", json_schema: { name: "x", schema: s, strict: true } } })).toEqual({ kind: "json", schema: s });
    expect(outputConstraint({ text: { format: { type: "json_schema", name: "x", schema: s } } })).toEqual({ kind: "json", schema: s });
    expect(outputConstraint({ guided_json: JSON.stringify(s) })).toEqual({ kind: "json", schema: s });
    expect(outputConstraint({ structured_outputs: { choice: ["yes", "no"] } })).toEqual({ kind: "choice", choices: ["yes", "no"] });
    expect(outputConstraint({ response_format: { type: "text" } })).toBeNull();
    const obj = JSON.parse(constrainedText({ kind: "json", schema: null }, 3)) as unknown;
    expect(typeof obj === "object" && obj !== null && !Array.isArray(obj)).toBe(true);
  });
});
