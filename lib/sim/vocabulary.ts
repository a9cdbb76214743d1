import { NAMES, WORDS } from "./word-list";

/**
 * The simulator's fixed vocabulary, laid out like a byte-level BPE vocabulary of Qwen2.5's size: every id is
 * below the special tokens (151643+) and below `VOCAB_SIZE`, so ids a client sees are ids a real Qwen2.5
 * could produce. Built deterministically at load, so every process agrees on it without a vocabulary file.
 *
 * Ids 0-255 are raw bytes (the fallback for anything else), then every printable-ASCII pair, then
 * three- and four-letter word pieces, the generator's words, and single code points of the common scripts.
 * English comes out at a little over three characters per token (Qwen2.5's real vocabulary: about four).
 */

/** Qwen2.5's `vocab_size` (config.json): the embedding rows, special tokens and padding included. */
export const VOCAB_SIZE = 151936;

/** Qwen2.5's special tokens (and its hermes tool tags, which its tokenizer also keeps whole). */
export const SPECIAL_TOKENS: ReadonlyMap<string, number> = new Map([
  ["<|endoftext|>", 151643],
  ["<|im_start|>", 151644],
  ["<|im_end|>", 151645],
  ["<tool_call>", 151657],
  ["</tool_call>", 151658],
]);

export const BYTE_TOKENS = 256;

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();

/** Code point ranges that get one token per character (inclusive). */
const SCRIPT_RANGES: readonly [number, number][] = [
  [0x00a0, 0x024f], // Latin-1 supplement, Latin extended A/B
  [0x0370, 0x03ff], // Greek
  [0x0400, 0x04ff], // Cyrillic
  [0x2000, 0x206f], // general punctuation (dashes, quotes, ellipsis)
  [0x2190, 0x21ff], // arrows
  [0x3000, 0x303f], // CJK punctuation
  [0x4e00, 0x9fff], // CJK unified ideographs
];

function buildPieces(): string[] {
  const pieces: string[] = [];
  const seen = new Set<string>();
  const add = (piece: string) => {
    if (seen.has(piece)) return;
    seen.add(piece);
    pieces.push(piece);
  };
  const printable: string[] = [];
  for (let c = 0x20; c < 0x7f; c++) printable.push(String.fromCharCode(c));
  for (const a of printable) for (const b of printable) add(a + b);
  for (const a of ` ${UPPER}${LOWER}`) for (const b of LOWER) for (const c of LOWER) add(a + b + c);
  for (const b of LOWER) for (const c of LOWER) for (const d of LOWER) add(` ${b}${c}${d}`);
  for (const b of UPPER) for (const c of LOWER) for (const d of LOWER) add(` ${b}${c}${d}`);
  for (const word of [...WORDS, ...NAMES]) {
    const capital = word.charAt(0).toUpperCase() + word.slice(1);
    for (const form of [word, ` ${word}`, capital, ` ${capital}`]) if (form.length > 1) add(form);
  }
  for (const [from, to] of SCRIPT_RANGES) for (let cp = from; cp <= to; cp++) add(String.fromCodePoint(cp));
  return pieces;
}

/** Multi-byte pieces in id order; piece i has id `BYTE_TOKENS + i`. */
const PIECES = buildPieces();
const PIECE_IDS: ReadonlyMap<string, number> = new Map(PIECES.map((piece, index) => [piece, BYTE_TOKENS + index]));

/** Ids at or above this (and below the special tokens) are unassigned. */
export const FIRST_UNASSIGNED_ID = BYTE_TOKENS + PIECES.length;

/** The longest piece, in UTF-16 units: the greedy matcher never looks further. */
export const MAX_PIECE_LENGTH = PIECES.reduce((longest, piece) => Math.max(longest, piece.length), 0);

if (FIRST_UNASSIGNED_ID > 151643) throw new Error("the simulator's vocabulary overflows into Qwen2.5's special tokens");

/** The id of a vocabulary piece (two or more bytes), or undefined. Single ASCII characters are byte tokens. */
export function vocabularyId(piece: string): number | undefined {
  if (piece.length === 1 && piece.charCodeAt(0) < 0x80) return piece.charCodeAt(0);
  return PIECE_IDS.get(piece);
}

/** The piece of a non-byte, non-special id, or undefined when the id is unassigned. */
export function vocabularyPiece(id: number): string | undefined {
  return PIECES[id - BYTE_TOKENS];
}
