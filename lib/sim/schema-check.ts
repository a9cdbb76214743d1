import { resolveRef } from "./schema-values";

/**
 * A small JSON Schema validator for the simulator's tests: the keywords `schema-values.ts` promises to honour,
 * checked independently of how values are generated. Returns the problems found (empty = valid).
 */
export function schemaProblems(value: unknown, schema: unknown, root: unknown = schema, path = "$"): string[] {
  if (schema === true || schema === undefined) return [];
  if (schema === false) return [`${path}: no value allowed`];
  if (typeof schema !== "object" || schema === null) return [];
  const s = resolveRef(schema as Record<string, unknown>, root);
  const problems: string[] = [];
  const fail = (why: string) => problems.push(`${path}: ${why}`);
  if ("const" in s && JSON.stringify(s.const) !== JSON.stringify(value)) fail(`not the const ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) fail("not in enum");
  if (Array.isArray(s.anyOf) && !s.anyOf.some((b) => schemaProblems(value, b, root, path).length === 0)) fail("matches no anyOf branch");
  if (Array.isArray(s.oneOf) && !s.oneOf.some((b) => schemaProblems(value, b, root, path).length === 0)) fail("matches no oneOf branch");
  if (Array.isArray(s.allOf)) for (const part of s.allOf) problems.push(...schemaProblems(value, part, root, path));
  const types = Array.isArray(s.type) ? s.type : s.type === undefined ? null : [s.type];
  if (types && !types.some((t) => typeMatches(value, String(t)))) fail(`not of type ${types.join("|")}`);
  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof s.minLength === "number" && length < s.minLength) fail("too short");
    if (typeof s.maxLength === "number" && length > s.maxLength) fail("too long");
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) fail("below minimum");
    if (typeof s.maximum === "number" && value > s.maximum) fail("above maximum");
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum) fail("not above exclusiveMinimum");
    if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum) fail("not below exclusiveMaximum");
    if (typeof s.multipleOf === "number" && Math.abs(value / s.multipleOf - Math.round(value / s.multipleOf)) > 1e-9) fail("not a multiple");
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) fail("too few items");
    if (typeof s.maxItems === "number" && value.length > s.maxItems) fail("too many items");
    if (s.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) fail("items not unique");
    const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
    value.forEach((item, i) => problems.push(...schemaProblems(item, i < prefix.length ? prefix[i] : s.items, root, `${path}[${i}]`)));
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const properties = (typeof s.properties === "object" && s.properties !== null ? s.properties : {}) as Record<string, unknown>;
    if (Array.isArray(s.required)) for (const name of s.required) if (!(String(name) in object)) fail(`missing ${String(name)}`);
    for (const [key, v] of Object.entries(object)) {
      if (key in properties) problems.push(...schemaProblems(v, properties[key], root, `${path}.${key}`));
      else if (s.additionalProperties === false) fail(`unexpected property ${key}`);
      else if (typeof s.additionalProperties === "object") problems.push(...schemaProblems(v, s.additionalProperties, root, `${path}.${key}`));
    }
  }
  return problems;
}

function typeMatches(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}
