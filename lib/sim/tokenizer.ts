/**
 * A deterministic, reversible stand-in for Qwen2.5's tokenizer.
 *
 * Text is pre-tokenized with a Qwen-like pattern (special tokens, words with their leading space, single
 * digits, punctuation runs, whitespace), then each pre-token is cut into pieces of at most
 * `MAX_PIECE_BYTES` bytes of UTF-8 without splitting a code point. A piece's id encodes its bytes
 * (base 257, digits 1-256), so any process can decode any id without a shared vocabulary, and
 * `detokenize(tokenize(s)) === s` for every JavaScript string (lone surrogates included: bytes are
 * WTF-8). English comes out at about four characters per token.
 */

export const SPECIAL_TOKENS: ReadonlyMap<string, number> = new Map([
  ["<|endoftext|>", 151643],
  ["<|im_start|>", 151644],
  ["<|im_end|>", 151645],
]);
const SPECIAL_BY_ID: ReadonlyMap<number, string> = new Map([...SPECIAL_TOKENS].map(([text, id]) => [id, text]));

/** Qwen2.5's vocabulary size: ordinary pieces get ids above it, clear of the special tokens. */
const PIECE_ID_BASE = 151936;
const MAX_PIECE_BYTES = 6;
const RADIX = 257;

const PRE_TOKEN =
  /<\|(?:endoftext|im_start|im_end)\|>| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

export class UnknownTokenError extends Error {
  constructor(readonly tokenId: number) {
    super(`Token id ${tokenId} is out of vocabulary`);
    this.name = "UnknownTokenError";
  }
}

export interface Tokenization {
  ids: number[];
  pieces: string[];
}

/** Splits text into token strings (the `token_strs` of `/tokenize`). */
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
  const pieces = splitTokens(text);
  return { ids: pieces.map(pieceId), pieces };
}

export function countTokens(text: string): number {
  return splitTokens(text).length;
}

export function detokenize(ids: readonly number[]): string {
  let text = "";
  for (const id of ids) text += tokenString(id);
  return text;
}

/** The text of one token id; throws `UnknownTokenError` for ids this tokenizer never produces. */
export function tokenString(id: number): string {
  const special = SPECIAL_BY_ID.get(id);
  if (special !== undefined) return special;
  if (!Number.isSafeInteger(id) || id <= PIECE_ID_BASE) throw new UnknownTokenError(id);
  let value = id - PIECE_ID_BASE;
  const bytes: number[] = [];
  while (value > 0) {
    const digit = value % RADIX;
    if (digit === 0 || bytes.length === MAX_PIECE_BYTES) throw new UnknownTokenError(id);
    bytes.push(digit - 1);
    value = (value - digit) / RADIX;
  }
  const text = decodeWtf8(bytes);
  if (text === null) throw new UnknownTokenError(id);
  return text;
}

export function pieceId(piece: string): number {
  const special = SPECIAL_TOKENS.get(piece);
  if (special !== undefined) return special;
  let value = 0;
  let scale = 1;
  for (const byte of encodeWtf8(piece)) {
    value += (byte + 1) * scale;
    scale *= RADIX;
  }
  return PIECE_ID_BASE + value;
}

function cutPreToken(preToken: string, out: string[]): void {
  if (preToken.length <= 1 || (preToken.length <= MAX_PIECE_BYTES && isAscii(preToken))) {
    out.push(preToken);
    return;
  }
  let start = 0;
  let bytes = 0;
  let i = 0;
  while (i < preToken.length) {
    const codePoint = preToken.codePointAt(i) ?? 0;
    const width = codePoint > 0xffff ? 2 : 1;
    const size = utf8Length(codePoint);
    if (bytes + size > MAX_PIECE_BYTES && i > start) {
      out.push(preToken.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    i += width;
  }
  if (start < preToken.length) out.push(preToken.slice(start));
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
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

function decodeWtf8(bytes: readonly number[]): string | null {
  let text = "";
  let i = 0;
  while (i < bytes.length) {
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
    // Reject overlong forms so each string has exactly one id sequence.
    if (size > 1 && utf8Length(cp) !== size) return null;
    if (cp > 0x10ffff) return null;
    text += String.fromCodePoint(cp);
    i += size;
  }
  return text;
}
