import { pythonJson } from "./python-json";
import { createRng, hashString, mixHash, pick, randomInt } from "./random";
import { splitTokens } from "./tokenizer";
import { valueForSchema } from "./schema-values";
import { WORDS } from "./word-list";

/**
 * Deterministic "model output": plausible sentences from a small word list, cut into tokens by the
 * simulator's tokenizer. The same prompt, seed and choice index always give the same tokens.
 */


export type FinishReason = "stop" | "length";

export interface PlannedText {
  /** One entry per generated token (the last one may be cut short by a stop string). */
  tokens: string[];
  finishReason: FinishReason;
  /** vLLM's `stop_reason`: the matched stop string, or null for end-of-sequence and length. */
  stopReason: string | null;
}

export interface TextPlanRequest {
  /** The rendered prompt (or any stable text standing for it). */
  promptKey: string;
  seed?: number | null;
  choiceIndex: number;
  /** Tokens allowed by `max_tokens` or what is left of the context. */
  limit: number;
  minTokens?: number | null;
  ignoreEos?: boolean | null;
  stop?: readonly string[];
}

export function seedFor(promptKey: string, seed: number | null | undefined, choiceIndex: number): number {
  return mixHash(mixHash(hashString(promptKey), seed ?? 0), choiceIndex + 1);
}

/** Natural length 16-64 tokens (finish "stop"); reaching `limit` first gives "length"; stop strings truncate. */
export function planText(request: TextPlanRequest): PlannedText {
  const rng = createRng(seedFor(request.promptKey, request.seed, request.choiceIndex));
  const natural = Math.max(randomInt(rng, 16, 64), request.minTokens ?? 0);
  const wanted = request.ignoreEos ? request.limit : natural;
  const count = Math.max(0, Math.min(wanted, request.limit));
  const finishReason: FinishReason = wanted >= request.limit ? "length" : "stop";
  const tokens = generateTokens(rng, count);
  return applyStopStrings(tokens, finishReason, request.stop ?? []);
}

function generateTokens(rng: () => number, count: number): string[] {
  const tokens: string[] = [];
  let sentenceLeft = randomInt(rng, 5, 14);
  let startOfSentence = true;
  while (tokens.length < count) {
    let word: string = pick(rng, WORDS);
    if (startOfSentence) word = word.charAt(0).toUpperCase() + word.slice(1);
    const prefix = tokens.length === 0 ? "" : " ";
    for (const piece of splitTokens(prefix + word)) tokens.push(piece);
    startOfSentence = false;
    sentenceLeft--;
    if (sentenceLeft === 0) {
      tokens.push(rng() < 0.85 ? "." : "!");
      sentenceLeft = randomInt(rng, 5, 14);
      startOfSentence = true;
    } else if (rng() < 0.08) {
      tokens.push(",");
    }
  }
  tokens.length = count;
  return tokens;
}

/**
 * What an engine whose weights hold garbage emits instead (a level-2 wake without `reload_weights`, sleep.ts):
 * NaN logits make every sampled token id 0, which Qwen's and Llama 3's vocabularies decode as "!".
 */
export const GARBAGE_TOKEN = "!";

/** The same number of tokens, each the garbage token: the answer's length and finish stay, its words do not. */
export function garbledText(text: PlannedText): PlannedText {
  return { tokens: text.tokens.map(() => GARBAGE_TOKEN), finishReason: text.finishReason, stopReason: null };
}

/** vLLM drops the stop string and everything after it; the token that contained it is kept, cut short. */
export function applyStopStrings(tokens: string[], finishReason: FinishReason, stop: readonly string[]): PlannedText {
  const candidates = stop.filter((s) => s.length > 0);
  if (candidates.length === 0) return { tokens, finishReason, stopReason: null };
  const text = tokens.join("");
  let bestAt = -1;
  let best: string | null = null;
  for (const s of candidates) {
    const at = text.indexOf(s);
    if (at !== -1 && (bestAt === -1 || at < bestAt)) [bestAt, best] = [at, s];
  }
  if (best === null) return { tokens, finishReason, stopReason: null };
  const kept: string[] = [];
  let offset = 0;
  for (const token of tokens) {
    if (offset + token.length <= bestAt) kept.push(token);
    else {
      const head = token.slice(0, bestAt - offset);
      if (head) kept.push(head);
      break;
    }
    offset += token.length;
  }
  return { tokens: kept, finishReason: "stop", stopReason: best };
}

export interface ToolSpec {
  name: string;
  parameters?: unknown;
}

export interface PlannedToolCall {
  name: string;
  /** The complete arguments JSON (Python json.dumps style, as vLLM's hermes parser emits it). */
  arguments: string;
  /** One token for the name, then one per argument piece; `argumentPieces.join("")` may be cut by the limit. */
  argumentPieces: string[];
  finishReason: "tool_calls" | "length";
}

/** Arguments valid for the tool's parameters schema (see schema-values.ts for the keywords honoured). */
export function planToolCall(tool: ToolSpec, promptKey: string, seed: number | null | undefined, limit: number): PlannedToolCall {
  const rng = createRng(seedFor(promptKey, seed, 1000));
  const args = valueForSchema(tool.parameters ?? { type: "object" }, rng);
  const json = pythonJson(args && typeof args === "object" && !Array.isArray(args) ? args : {});
  const pieces = splitTokens(json);
  // The name delta is one token; the rest of the budget goes to argument pieces.
  const room = Math.max(0, limit - 1);
  if (pieces.length <= room) return { name: tool.name, arguments: json, argumentPieces: pieces, finishReason: "tool_calls" };
  const cut = pieces.slice(0, room);
  return { name: tool.name, arguments: cut.join(""), argumentPieces: cut, finishReason: "length" };
}

/** A deterministic unit vector for an input text. */
export function embeddingFor(text: string, dim: number): number[] {
  const rng = createRng(hashString(text));
  const vector = new Array<number>(dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    const v = rng() * 2 - 1;
    vector[i] = v;
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dim; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}
