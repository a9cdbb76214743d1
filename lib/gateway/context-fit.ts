import type { LabConfig } from "@/lib/config/schema";
import type { UpstreamPools } from "./upstream";

// How many tokens a request's prompt takes, cheaply when it is far from every context limit and exactly (a backend's
// /tokenize) when it is near one, so `auto` and fallbacks pick a backend whose context holds it and max_tokens can
// be lowered to fit instead of vLLM's 400 (Cline asks for 32,000 whatever the model).

export interface PromptSize {
  tokens: number;
  /** Counted by a backend's tokenizer; otherwise an upper bound. */
  exact: boolean;
}

/**
 * An upper bound on the prompt's tokens: the lab's tokenizers are byte-level BPE (a token covers at least one byte),
 * and the JSON of the messages carries more bytes than the chat template adds tokens (role names, markers).
 */
export function promptTokenUpperBound(body: Record<string, unknown>): number {
  const prompt = body.messages ?? body.prompt ?? body.input ?? "";
  return Buffer.byteLength(JSON.stringify(prompt)) + (body.tools ? Buffer.byteLength(JSON.stringify(body.tools)) : 0);
}

/** The completion the client asked room for, under whichever name its API uses. */
export function requestedCompletion(body: Record<string, unknown>): { field: "max_tokens" | "max_completion_tokens" | "max_output_tokens"; tokens: number } | null {
  for (const field of ["max_completion_tokens", "max_tokens", "max_output_tokens"] as const) {
    const value = body[field];
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return { field, tokens: value };
  }
  return null;
}

/** The smallest context among backends that have one configured (null: none is known, nothing to fit). */
export function smallestContext(config: LabConfig, backendIds: readonly string[]): number | null {
  const lengths = backendIds.map((id) => config.backends[id]?.maxModelLen).filter((length): length is number => typeof length === "number");
  return lengths.length > 0 ? Math.min(...lengths) : null;
}

/** Whether a backend's context holds the prompt and at least one generated token. */
export function fitsContext(config: LabConfig, backendId: string, promptTokens: number): boolean {
  const length = config.backends[backendId]?.maxModelLen;
  return length === undefined || promptTokens + 1 <= length;
}

/**
 * The prompt's size for these backends: the upper bound when even it leaves room in the smallest context, else the
 * count from `tokenizer`'s /tokenize (chat and completions; a failed count falls back to the bound).
 */
export async function measurePrompt(
  config: LabConfig,
  pools: UpstreamPools,
  body: Record<string, unknown>,
  candidates: readonly string[],
  tokenizer: string | null,
): Promise<PromptSize> {
  const bound = promptTokenUpperBound(body);
  const smallest = smallestContext(config, candidates);
  const room = requestedCompletion(body)?.tokens ?? 1;
  if (smallest === null || bound + room <= smallest || tokenizer === null) return { tokens: bound, exact: false };
  const counted = await countTokens(config, pools, tokenizer, body);
  return counted === null ? { tokens: bound, exact: false } : { tokens: counted, exact: true };
}

async function countTokens(config: LabConfig, pools: UpstreamPools, backendId: string, body: Record<string, unknown>): Promise<number | null> {
  const backend = config.backends[backendId];
  if (!backend) return null;
  const request = Array.isArray(body.messages)
    ? { model: backend.servedModel, messages: body.messages, tools: body.tools, add_generation_prompt: true }
    : typeof body.prompt === "string"
      ? { model: backend.servedModel, prompt: body.prompt }
      : null;
  if (!request) return null;
  try {
    const answer = await pools.pool(backend.url).request({
      path: "/tokenize",
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(5_000),
    });
    const parsed = (await answer.body.json()) as { count?: unknown };
    return answer.statusCode === 200 && typeof parsed.count === "number" ? parsed.count : null;
  } catch {
    return null;
  }
}

/**
 * The completion to ask for so prompt + completion fits the smallest context among `backendIds`: the request's own
 * when it fits, else lowered to what does (null when the request asked for nothing or nothing needs lowering).
 */
export function clampedCompletion(config: LabConfig, backendIds: readonly string[], body: Record<string, unknown>, promptTokens: number): { field: string; tokens: number } | null {
  const asked = requestedCompletion(body);
  const smallest = smallestContext(config, backendIds);
  if (!asked || smallest === null) return null;
  const room = smallest - promptTokens;
  return room >= 1 && asked.tokens > room ? { field: asked.field, tokens: room } : null;
}
