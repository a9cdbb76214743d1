import {
  BYTE_TOKENS,
  FIRST_UNASSIGNED_ID,
  MAX_PIECE_LENGTH,
  SPECIAL_TOKENS,
  vocabularyId,
  vocabularyPiece,
} from "./vocabulary";

/**
 * A deterministic, reversible stand-in for Qwen2.5's tokenizer over the fixed vocabulary of `vocabulary.ts`.
 *
 * Text is pre-tokenized with a Qwen-like pattern (special tokens, words with their leading space, single
 * digits, punctuation runs, whitespace), then each pre-token is cut greedily into the longest vocabulary
 * pieces; a character outside the vocabulary falls back to its UTF-8 bytes (WTF-8, so lone surrogates
 * survive too), one byte token each, as byte-level BPE does. Every id is below Qwen2.5's vocab size and
 * `detokenize(tokenize(s)) === s` for every JavaScript string.
 */

export { SPECIAL_TOKENS, VOCAB_SIZE } from "./vocabulary";
const SPECIAL_BY_ID: ReadonlyMap<number, string> = new Map([...SPECIAL_TOKENS].map(([text, id]) => [id, text]));

const PRE_TOKEN =
  /<\|(?:endoftext|im_start|im_end)\|>|<\/?tool_call>| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

export class UnknownTokenError extends Error {
  constructor(readonly tokenId: number) {
    super(`Token id ${tokenId} is out of vocabulary`);
    this.name = "UnknownTokenError";
  }
}

export interface Tokenization {
  ids: number[];
  /** One string per id (`tokenString`): a byte token of a partial character shows as `<0xAB>`. */
  pieces: string[];
}

/**
 * Splits text into the pieces the generator streams: one per token, except that a character outside the
 * vocabulary stays whole (its byte tokens are held back until the character is complete, as vLLM's
 * incremental detokenizer does).
 */
export function splitTokens(text: string): string[] {
  const pieces: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PRE_TOKEN)) {
    // The pattern covers every character; the gap check keeps the round trip exact even if it did not.
    if (match.index > last) cutPreToken(text.slice(last, match.index), pieces);
    const preToken = match[0];
    if (SPECIAL_TOKENS.has(preToken)) pieces.push(preToken);
    else cutPreToken(preToken, pieces);
    last = match.index + preToken.length;
  }
  if (last < text.length) cutPreToken(text.slice(last), pieces);
  return pieces;
}

export function tokenize(text: string): Tokenization {
  const ids = splitTokens(text).flatMap(pieceIds);
  return { ids, pieces: ids.map(tokenString) };
}

export function countTokens(text: string): number {
  return tokenize(text).ids.length;
}

/** vLLM decodes invalid UTF-8 as U+FFFD; ids outside the vocabulary are an error. */
export function detokenize(ids: readonly number[]): string {
  const bytes: number[] = [];
  for (const id of ids) {
    if (id >= 0 && id < BYTE_TOKENS && Number.isInteger(id)) bytes.push(id);
    else for (const byte of encodeWtf8(textOf(id))) bytes.push(byte);
  }
  return decodeWtf8(bytes);
}

/** The text of one token id (a lone non-ASCII byte as `<0xAB>`); throws `UnknownTokenError` for unassigned ids. */
export function tokenString(id: number): string {
  if (Number.isInteger(id) && id >= 0 && id < BYTE_TOKENS) {
    return id < 0x80 ? String.fromCharCode(id) : `<0x${id.toString(16).toUpperCase()}>`;
  }
  return textOf(id);
}

function textOf(id: number): string {
  const special = SPECIAL_BY_ID.get(id);
  if (special !== undefined) return special;
  const piece = Number.isInteger(id) && id < FIRST_UNASSIGNED_ID ? vocabularyPiece(id) : undefined;
  if (piece === undefined) throw new UnknownTokenError(id);
  return piece;
}

/** The ids of one `splitTokens` piece: a vocabulary id, or the byte tokens of a character outside it. */
export function pieceIds(piece: string): number[] {
  const id = SPECIAL_TOKENS.get(piece) ?? vocabularyId(piece);
  return id !== undefined ? [id] : encodeWtf8(piece);
}

/** The first token id of a piece (the one logprobs report for it). */
export function pieceId(piece: string): number {
  return pieceIds(piece)[0] ?? 0;
}

/** Greedy longest match against the vocabulary; characters outside it become one piece each. */
function cutPreToken(preToken: string, out: string[]): void {
  let i = 0;
  while (i < preToken.length) {
    let taken = 0;
    for (let length = Math.min(MAX_PIECE_LENGTH, preToken.length - i); length >= 2; length--) {
      if (vocabularyId(preToken.slice(i, i + length)) !== undefined) {
        taken = length;
        break;
      }
    }
    if (taken === 0) taken = (preToken.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
    out.push(preToken.slice(i, i + taken));
    i += taken;
  }
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/** UTF-8 that also encodes lone surrogates (WTF-8), so every JS string survives the round trip. */
function encodeWtf8(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) ?? 0;
    if (cp > 0xffff) i++;
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return bytes;
}

/** Decodes WTF-8; a byte that starts no valid sequence becomes U+FFFD (Python's errors="replace"). */
function decodeWtf8(bytes: readonly number[]): string {
  let text = "";
  let i = 0;
  while (i < bytes.length) {
    const decoded = decodeOne(bytes, i);
    if (decoded === null) {
      text += "\ufffd";
      i++;
      continue;
    }
    text += String.fromCodePoint(decoded.codePoint);
    i += decoded.size;
  }
  return text;
}

function decodeOne(bytes: readonly number[], i: number): { codePoint: number; size: number } | null {
  const lead = bytes[i] ?? 0;
  let size: number;
  let cp: number;
  if (lead < 0x80) [size, cp] = [1, lead];
  else if (lead >= 0xc0 && lead < 0xe0) [size, cp] = [2, lead & 0x1f];
  else if (lead >= 0xe0 && lead < 0xf0) [size, cp] = [3, lead & 0x0f];
  else if (lead >= 0xf0 && lead < 0xf8) [size, cp] = [4, lead & 0x07];
  else return null;
  if (i + size > bytes.length) return null;
  for (let k = 1; k < size; k++) {
    const next = bytes[i + k] ?? 0;
    if ((next & 0xc0) !== 0x80) return null;
    cp = (cp << 6) | (next & 0x3f);
  }
  if (size > 1 && utf8Length(cp) !== size) return null;
  if (cp > 0x10ffff) return null;
  return { codePoint: cp, size };
}
