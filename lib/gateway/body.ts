import type { z } from "zod";
import { readBodyUpTo } from "@/lib/http/read-limited";
import { GatewayError } from "./errors";

/**
 * Reads a JSON request body, refusing it as soon as it passes `maxBytes` (without reading the rest).
 * Any content type is accepted when the bytes are JSON: `curl -d` sends form encoding by default.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const bytes = await readBodyUpTo(request, maxBytes);
  if (!bytes) throw new GatewayError("body_too_large", `The request body is larger than this gateway accepts (${maxBytes} bytes).`);
  if (!request.body) throw new GatewayError("invalid_json", "The request has no body; send a JSON object (Content-Type: application/json).");
  const text = bytes.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    const detail = text.trim() === "" ? "the body is empty" : (error as Error).message;
    throw new GatewayError("invalid_json", `The request body is not valid JSON (${detail}). Send a JSON object with Content-Type: application/json.`);
  }
  if (nestingDepth(parsed) > MAX_NESTING) throw new GatewayError("invalid_request", `The request body is nested more than ${MAX_NESTING} levels deep.`);
  return parsed;
}

/** Deeper than any real request; re-serialising a deeper body would exhaust the stack. */
const MAX_NESTING = 256;

/** The nesting depth of a parsed JSON value, walked without recursion. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_NESTING) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Validates a parsed body; the first problem becomes a 400 naming the field. */
export function validateBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new GatewayError("invalid_request", "The request body must be a JSON object.");
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const segments = issue?.path.filter((segment) => typeof segment !== "symbol") ?? [];
  const path = segments.join(".");
  // zod does not report the input it saw, so look it up: only a field that is absent is "required".
  const missing = issue?.code === "invalid_type" && valueAt(body, segments) === undefined;
  const message = missing ? `${path} is required.` : `${path ? `${path}: ` : ""}${issue?.message ?? "invalid request"}`;
  throw new GatewayError("invalid_request", message, { param: path || undefined });
}

function valueAt(body: unknown, segments: ReadonlyArray<string | number>): unknown {
  let node = body;
  for (const segment of segments) {
    if (!node || typeof node !== "object" || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
