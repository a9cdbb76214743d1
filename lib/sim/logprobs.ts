import { createRng, hashString, mixHash, pick } from "./random";
import { WORDS } from "./word-list";

/**
 * Log probabilities for generated tokens, in vLLM's two wire formats. Deterministic per token position:
 * the sampled token is the most likely one (logprob <= 0), the alternatives follow in decreasing order.
 */

export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[];
}

/** One entry of chat's `logprobs.content`. */
export interface ChatTokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

/** vLLM rejects more than `--max-logprobs` (default 20) alternatives per token. */
export const MAX_LOGPROBS = 20;

function utf8Bytes(text: string): number[] {
  return [...Buffer.from(text, "utf8")];
}

/** The sampled token first, then `count - 1` distinct alternatives, sorted by logprob, descending. */
export function rankedCandidates(token: string, position: number, seedKey: string, count: number): TopLogprob[] {
  const rng = createRng(mixHash(hashString(seedKey), position + 1));
  // A confident model: the sampled token mostly near 0, now and then less sure.
  let logprob = -Math.round(rng() * rng() * 2.5 * 1e4) / 1e4;
  const out: TopLogprob[] = [{ token, logprob, bytes: utf8Bytes(token) }];
  const used = new Set([token]);
  const space = token.startsWith(" ") ? " " : "";
  while (out.length < count) {
    let alternative = `${space}${pick(rng, WORDS)}`;
    if (used.has(alternative)) alternative = `${alternative}${out.length}`;
    used.add(alternative);
    logprob = Math.round((logprob - 0.05 - rng() * 2) * 1e4) / 1e4;
    out.push({ token: alternative, logprob, bytes: utf8Bytes(alternative) });
  }
  return out;
}

/** Chat: `{token, logprob, bytes, top_logprobs: [top N]}` per generated token. */
export function chatLogprobs(tokens: readonly string[], firstPosition: number, seedKey: string, top: number): ChatTokenLogprob[] {
  return tokens.map((token, i) => {
    const ranked = rankedCandidates(token, firstPosition + i, seedKey, Math.max(1, top));
    const [sampled] = ranked as [TopLogprob];
    return { ...sampled, top_logprobs: ranked.slice(0, top) };
  });
}

/** Completions: parallel arrays, `top_logprobs` one `{token: logprob}` map per token. */
export interface CompletionLogprobs {
  text_offset: number[];
  token_logprobs: number[];
  tokens: string[];
  top_logprobs: Record<string, number>[];
}

/**
 * vLLM's map holds the sampled token plus the top N; as the sampled token is the top one here, that is N
 * entries (one when N is 0).
 */
export function completionLogprobs(tokens: readonly string[], firstPosition: number, firstOffset: number, seedKey: string, top: number): CompletionLogprobs {
  const out: CompletionLogprobs = { text_offset: [], token_logprobs: [], tokens: [], top_logprobs: [] };
  let offset = firstOffset;
  tokens.forEach((token, i) => {
    const ranked = rankedCandidates(token, firstPosition + i, seedKey, Math.max(1, top));
    out.text_offset.push(offset);
    out.token_logprobs.push(ranked[0]?.logprob ?? 0);
    out.tokens.push(token);
    out.top_logprobs.push(Object.fromEntries(ranked.map((c) => [c.token, c.logprob])));
    offset += token.length;
  });
  return out;
}
