import { eventData } from "./sse";

/**
 * Reasoning text under both names. vLLM put a reasoning parser's output in `reasoning_content` up to about 0.11, then
 * in both `reasoning` and `reasoning_content`, and since early 2026 only in `reasoning`; clients read one or the
 * other (Cline only `reasoning_content`, newer SDKs `reasoning`). When a chat message (non-streamed:
 * `choices[].message`) or delta (streamed: `choices[].delta`) carries its text under one name only, the gateway
 * offers the same text under the other, right after it. Everything else is left as it came: an event or body the
 * rule does not change is relayed byte for byte, and one it changes is re-serialized once.
 *
 * "Only one" means one field holds a string and the other is missing or null. Both strings, both null, or neither
 * field: untouched. Config: `gateway.compat.reasoningFields` (default on). The rule's name goes into the request's
 * `compatApplied` when it acted.
 */
export const REASONING_FIELDS_RULE = "reasoningFields";

const FIELDS = ["reasoning", "reasoning_content"] as const;
/** A cheap look at raw JSON: can it carry reasoning text at all? (A quote inside a JSON string is escaped, so this matches keys only.) */
const REASONING_TEXT = /"reasoning(?:_content)?"\s*:\s*"/;

/** The rule on one SSE event for a request: the event to relay (the same bytes unless it changed), its name added to `applied` when it acted. */
export function applyReasoningFieldsToEvent(event: Buffer, applied: Set<string>): Buffer {
  const mirrored = mirrorReasoningInEvent(event);
  if (!mirrored) return event;
  applied.add(REASONING_FIELDS_RULE);
  return mirrored;
}

/** The rule on a whole parsed JSON body, in place: true (and its name added to `applied`) when it changed the body. */
export function applyReasoningFieldsToBody(body: unknown, applied: Set<string>): boolean {
  if (!mirrorReasoningInBody(body)) return false;
  applied.add(REASONING_FIELDS_RULE);
  return true;
}

/** Mirrors reasoning text in one message or delta, in place; true when it changed. Key order is kept, the new key follows its source. */
export function mirrorReasoning(holder: Record<string, unknown>): boolean {
  for (const [from, to] of [FIELDS, [FIELDS[1], FIELDS[0]]] as const) {
    const text = holder[from];
    if (typeof text !== "string" || (holder[to] !== undefined && holder[to] !== null)) continue;
    if (to in holder) {
      holder[to] = text; // present as null: keeps its place
      return true;
    }
    const entries = Object.entries(holder);
    for (const key of Object.keys(holder)) delete holder[key];
    for (const [key, value] of entries) {
      holder[key] = value;
      if (key === from) holder[to] = text;
    }
    return true;
  }
  return false;
}

/** A whole chat.completion body (parsed JSON): mirrors each `choices[].message`, in place; true when any changed. */
export function mirrorReasoningInBody(body: unknown): boolean {
  let changed = false;
  for (const choice of choicesOf(body)) {
    const message = (choice as { message?: unknown }).message;
    if (isRecord(message) && mirrorReasoning(message)) changed = true;
  }
  return changed;
}

/**
 * One whole SSE event (with its terminator): the event to relay instead when a `choices[].delta` had reasoning text
 * under one name only, else null (relay the original bytes). Events without reasoning text are not parsed.
 */
export function mirrorReasoningInEvent(event: Buffer): Buffer | null {
  const data = eventData(event);
  if (data === null || !data.includes('"reasoning') || !REASONING_TEXT.test(data)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return null;
  }
  let changed = false;
  for (const choice of choicesOf(payload)) {
    const delta = (choice as { delta?: unknown }).delta;
    if (isRecord(delta) && mirrorReasoning(delta)) changed = true;
  }
  return changed ? withData(event, JSON.stringify(payload)) : null;
}

/** The event with its data replaced: other lines (event:, id:) and the terminator kept; vLLM's events are one data line. */
function withData(event: Buffer, data: string): Buffer {
  const text = event.toString("utf8");
  const terminator = text.endsWith("\r\n\r\n") ? "\r\n\r\n" : "\n\n";
  const newline = terminator === "\r\n\r\n" ? "\r\n" : "\n";
  const lines = text.slice(0, text.length - terminator.length).split(/\r?\n/);
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    if (!line.startsWith("data:")) out.push(line);
    else if (!placed) {
      out.push(`data: ${data}`);
      placed = true;
    }
  }
  return Buffer.from(out.join(newline) + terminator, "utf8");
}

function choicesOf(payload: unknown): unknown[] {
  const choices = isRecord(payload) ? payload.choices : undefined;
  return Array.isArray(choices) ? choices.filter(isRecord) : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
