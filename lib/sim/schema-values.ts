import { pick, randomInt } from "./random";
import { NAMES, WORDS } from "./word-list";

/**
 * A small deterministic generator of JSON values that satisfy a JSON Schema: what a structured-output
 * (guided decoding) backend would let the model write. It knows the keywords clients actually send
 * (type, enum, const, properties/required, items/prefixItems, min/max lengths, items and bounds,
 * anyOf/oneOf/allOf, local $ref, nullable type lists, common string formats); anything else is ignored,
 * as unknown keywords are in JSON Schema. `pattern` cannot be honoured and is ignored.
 */

type Schema = Record<string, unknown>;
type Rng = () => number;

/** Nesting below this gets the smallest value its schema allows, so recursive schemas terminate. */
const MAX_DEPTH = 5;

export function valueForSchema(schema: unknown, rng: Rng): unknown {
  return generate(schema, { rng, root: schema, depth: 0 });
}

interface Context {
  rng: Rng;
  root: unknown;
  depth: number;
}

function generate(input: unknown, ctx: Context): unknown {
  if (input === true || input === undefined || input === null) return pick(ctx.rng, NAMES);
  if (typeof input !== "object" || Array.isArray(input)) return pick(ctx.rng, NAMES);
  const schema = resolveRef(input as Schema, ctx.root);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pick(ctx.rng, schema.enum);
  for (const key of ["anyOf", "oneOf"] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      // Prefer a non-null branch: a nullable field that is always null tells a client nothing.
      const concrete = branches.filter((b) => !(isObject(b) && b.type === "null"));
      return generate(pick(ctx.rng, concrete.length > 0 ? concrete : branches), ctx);
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return generate(mergeAllOf(schema), ctx);

  switch (schemaType(schema)) {
    case "null":
      return null;
    case "boolean":
      return ctx.rng() < 0.5;
    case "integer":
      return integerFor(schema, ctx.rng);
    case "number":
      return numberFor(schema, ctx.rng);
    case "string":
      return stringFor(schema, ctx.rng);
    case "array":
      return arrayFor(schema, ctx);
    default:
      return objectFor(schema, ctx);
  }
}

function isObject(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `#`, `#/$defs/x` and `#/definitions/x` (what zod, pydantic and the OpenAI SDK emit). */
export function resolveRef(schema: Schema, root: unknown): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === "string" && hops < 32; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith("#")) return {};
    let target: unknown = root;
    for (const part of ref.slice(1).split("/").filter(Boolean)) {
      target = isObject(target) ? target[decodeURIComponent(part.replace(/~1/g, "/").replace(/~0/g, "~"))] : undefined;
    }
    if (!isObject(target)) return {};
    current = target;
  }
  return current;
}

function mergeAllOf(schema: Schema): Schema {
  const merged: Schema = { ...schema, allOf: undefined, properties: {}, required: [] };
  for (const part of [schema, ...(schema.allOf as unknown[])]) {
    if (!isObject(part)) continue;
    for (const [key, value] of Object.entries(part)) {
      if (key === "properties" && isObject(value)) merged.properties = { ...(merged.properties as Schema), ...value };
      else if (key === "required" && Array.isArray(value)) merged.required = [...(merged.required as unknown[]), ...value];
      else if (key !== "allOf" && !(key in merged && merged[key] !== undefined)) merged[key] = value;
    }
  }
  return merged;
}

/** The type to produce: the first non-null of a type list, or what the keywords imply. */
export function schemaType(schema: Schema): string {
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  const concrete = types.find((t) => t !== "null");
  if (typeof concrete === "string") return concrete;
  if (types.length > 0) return "null";
  if (schema.properties !== undefined || schema.required !== undefined || schema.additionalProperties !== undefined) return "object";
  if (schema.items !== undefined || schema.prefixItems !== undefined) return "array";
  if (schema.minimum !== undefined || schema.maximum !== undefined) return "number";
  if (schema.minLength !== undefined || schema.maxLength !== undefined || schema.format !== undefined) return "string";
  return "object";
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function bounds(schema: Schema, integer: boolean): [number, number] {
  const step = integer ? 1 : 0.01;
  let low = num(schema.minimum) ?? -Infinity;
  let high = num(schema.maximum) ?? Infinity;
  const exclusiveLow = num(schema.exclusiveMinimum);
  const exclusiveHigh = num(schema.exclusiveMaximum);
  if (exclusiveLow !== undefined) low = Math.max(low, exclusiveLow + step);
  if (exclusiveHigh !== undefined) high = Math.min(high, exclusiveHigh - step);
  if (integer) [low, high] = [Math.ceil(low), Math.floor(high)];
  if (low === -Infinity && high === Infinity) return [integer ? 1 : 0, 100];
  if (low === -Infinity) return [high - 100, high];
  if (high === Infinity) return [low, low + 100];
  return high < low ? [low, low] : [low, high];
}

function integerFor(schema: Schema, rng: Rng): number {
  const [low, high] = bounds(schema, true);
  const multiple = num(schema.multipleOf);
  if (multiple !== undefined && Number.isInteger(multiple) && multiple > 0) {
    const first = Math.ceil(low / multiple);
    const last = Math.floor(high / multiple);
    return (last >= first ? randomInt(rng, first, last) : first) * multiple;
  }
  return randomInt(rng, low, high);
}

function numberFor(schema: Schema, rng: Rng): number {
  const [low, high] = bounds(schema, false);
  const value = Math.round((low + rng() * (high - low)) * 100) / 100;
  return Math.min(high, Math.max(low, value));
}

const FORMATS: Readonly<Record<string, (rng: Rng) => string>> = {
  "date-time": (rng) => `2025-${pad(randomInt(rng, 1, 12))}-${pad(randomInt(rng, 1, 28))}T${pad(randomInt(rng, 0, 23))}:${pad(randomInt(rng, 0, 59))}:00Z`,
  date: (rng) => `2025-${pad(randomInt(rng, 1, 12))}-${pad(randomInt(rng, 1, 28))}`,
  time: (rng) => `${pad(randomInt(rng, 0, 23))}:${pad(randomInt(rng, 0, 59))}:00`,
  email: (rng) => `${pick(rng, NAMES).toLowerCase()}@example.com`,
  uri: (rng) => `https://example.com/${pick(rng, WORDS)}`,
  url: (rng) => `https://example.com/${pick(rng, WORDS)}`,
  uuid: (rng) =>
    "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx".replace(/x/g, () => Math.floor(rng() * 16).toString(16)),
  ipv4: (rng) => [10, randomInt(rng, 0, 255), randomInt(rng, 0, 255), randomInt(rng, 1, 254)].join("."),
};

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function stringFor(schema: Schema, rng: Rng): string {
  const format = typeof schema.format === "string" ? FORMATS[schema.format] : undefined;
  const minLength = Math.max(0, num(schema.minLength) ?? 0);
  const maxLength = num(schema.maxLength) ?? Infinity;
  let text = format ? format(rng) : pick(rng, NAMES);
  if (!format && rng() < 0.5) text += ` ${pick(rng, WORDS)}`;
  while ([...text].length < minLength) text += ` ${pick(rng, WORDS)}`;
  const chars = [...text];
  return chars.length > maxLength ? chars.slice(0, Math.max(minLength, maxLength)).join("") : text;
}

function arrayFor(schema: Schema, ctx: Context): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const minItems = Math.max(prefix.length > 0 ? prefix.length : 0, num(schema.minItems) ?? 0);
  const maxItems = num(schema.maxItems) ?? Infinity;
  const deep = ctx.depth >= MAX_DEPTH;
  const wanted = deep ? minItems : Math.max(minItems, Math.min(maxItems, randomInt(ctx.rng, 1, 3)));
  const inner = { ...ctx, depth: ctx.depth + 1 };
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (let attempt = 0; out.length < wanted && attempt < wanted * 8 + 8; attempt++) {
    const itemSchema = out.length < prefix.length ? prefix[out.length] : schema.items;
    const value = generate(itemSchema, inner);
    const key = JSON.stringify(value);
    if (schema.uniqueItems === true && seen.has(key)) continue;
    seen.add(key);
    out.push(value);
  }
  return out;
}

function objectFor(schema: Schema, ctx: Context): Record<string, unknown> {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === "string") : []);
  const deep = ctx.depth >= MAX_DEPTH;
  const inner = { ...ctx, depth: ctx.depth + 1 };
  const out: Record<string, unknown> = {};
  for (const [name, propertySchema] of Object.entries(properties)) {
    // Optional properties show up about two times in three (never past the depth limit).
    if (required.has(name) || (!deep && ctx.rng() < 0.67)) out[name] = generate(propertySchema, inner);
  }
  // Required names without a property schema (allowed by JSON Schema) still need a value.
  for (const name of required) if (!(name in out)) out[name] = generate(isObject(schema.additionalProperties) ? schema.additionalProperties : true, inner);
  if (Object.keys(properties).length === 0 && required.size === 0 && !deep && schema.additionalProperties !== false) {
    const extra = isObject(schema.additionalProperties) ? schema.additionalProperties : { type: "string" };
    out[pick(ctx.rng, WORDS)] = generate(extra, inner);
  }
  return out;
}
