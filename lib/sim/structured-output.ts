import { SimError } from "./errors";
import { pythonJson } from "./python-json";
import { createRng, pick } from "./random";
import { valueForSchema } from "./schema-values";
import { WORDS } from "./word-list";

/**
 * Structured output (vLLM's guided decoding): which constraint a request asks for, in any of the spellings
 * vLLM accepts, and the text a constrained model writes under it. Regex and grammar constraints are
 * accepted and ignored (the simulator cannot sample from a grammar): the answer is then plain text.
 */

export type OutputConstraint = { kind: "json"; schema: unknown | null } | { kind: "choice"; choices: string[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `guided_json` and `structured_outputs.json` may be a schema object or its JSON text. */
function schemaValue(value: unknown, field: string): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new SimError("bad_request", `${field} is not valid JSON`, field);
  }
}

/** An OpenAI `response_format` (chat) or the Responses API's `text.format`. */
function fromFormat(format: unknown, field: string): OutputConstraint | null {
  if (!isObject(format)) return null;
  switch (format.type) {
    case "json_object":
      return { kind: "json", schema: null };
    case "json_schema": {
      // Chat nests the schema under `json_schema`; the Responses API puts it on the format itself.
      const holder = isObject(format.json_schema) ? format.json_schema : format;
      if (!("schema" in holder) && !isObject(format.json_schema) && field === "response_format") {
        throw new SimError("invalid_request", "response_format: json_schema must be set when type is json_schema", field);
      }
      return { kind: "json", schema: isObject(holder.schema) ? holder.schema : null };
    }
    default:
      return null;
  }
}

/** vLLM: `structured_outputs` (v0.11+), the older `guided_*` fields, then OpenAI's `response_format`. */
export function outputConstraint(body: Record<string, unknown>): OutputConstraint | null {
  const structured = body.structured_outputs;
  if (isObject(structured)) {
    if (structured.json !== undefined && structured.json !== null) return { kind: "json", schema: schemaValue(structured.json, "structured_outputs.json") };
    if (Array.isArray(structured.choice)) return { kind: "choice", choices: structured.choice.map(String) };
    if (structured.json_object === true) return { kind: "json", schema: null };
  }
  if (body.guided_json !== undefined && body.guided_json !== null) return { kind: "json", schema: schemaValue(body.guided_json, "guided_json") };
  if (Array.isArray(body.guided_choice)) return { kind: "choice", choices: body.guided_choice.map(String) };
  const fromResponseFormat = fromFormat(body.response_format, "response_format");
  if (fromResponseFormat) return fromResponseFormat;
  return isObject(body.text) ? fromFormat(body.text.format, "text.format") : null;
}

/** The text a model writes under the constraint: deterministic per seed key. */
export function constrainedText(constraint: OutputConstraint, seed: number): string {
  const rng = createRng(seed);
  if (constraint.kind === "choice") return constraint.choices.length > 0 ? pick(rng, constraint.choices) : "";
  if (constraint.schema === null) return pythonJson({ [pick(rng, WORDS)]: pick(rng, WORDS), answer: `${pick(rng, WORDS)} ${pick(rng, WORDS)}` });
  return pythonJson(valueForSchema(constraint.schema, rng));
}
