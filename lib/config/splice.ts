import { isAlias, isMap, isNode, isPair, isScalar, isSeq, parseDocument, stringify, type Document, type Node, type Pair, type YAMLMap } from "yaml";

/**
 * Edits YAML text by replacing only the bytes of the edited nodes: everything else (comments, their alignment,
 * flow or block style, quoting, blank lines, CRLF) stays exactly as the operator wrote it. The yaml package's
 * Document API re-renders the whole file on toString(), which is what turned `[0]` into `[ 0 ]`; here the
 * parsed tree only says *where* a node is (its source range) and the new value is spliced into the original string,
 * written in the style of the node it replaces (a flow sequence stays a flow sequence, a block one stays block).
 */

export type YamlPath = readonly string[];

/** Set the value at `path` (created with its missing parents), or delete it (`value: undefined`). */
export interface YamlEdit {
  path: YamlPath;
  value: unknown;
}

/** One splice: the original text's [start, end) became `text`. */
export interface Splice {
  start: number;
  end: number;
  text: string;
}

export class YamlSpliceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "YamlSpliceError";
  }
}

/** Applies the edits in turn (each on the text the previous one produced) and returns the new text. */
export function spliceYaml(text: string, edits: readonly YamlEdit[]): string {
  let current = text;
  for (const edit of edits) current = applySplice(current, spliceFor(current, edit));
  return current;
}

export function applySplice(text: string, splice: Splice | null): string {
  return splice ? text.slice(0, splice.start) + splice.text + text.slice(splice.end) : text;
}

function parse(text: string): Document {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) throw new YamlSpliceError(`the file is not valid YAML: ${doc.errors[0]?.message.split("\n")[0] ?? ""}`);
  return doc;
}

/** The one splice that makes `edit` (null when there is nothing to do: deleting what is not there). */
export function spliceFor(text: string, edit: YamlEdit): Splice | null {
  const doc = parse(text);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const ctx: Ctx = { text, eol, indentUnit: indentUnitOf(text) };
  if (!isMap(doc.contents)) {
    if (edit.value === undefined) return null;
    if (doc.contents !== null && !(isScalar(doc.contents) && doc.contents.value === null)) throw new YamlSpliceError("the file's top level is not a map");
    // An empty file: append the new entry at the end.
    const prefix = text.length > 0 && !text.endsWith("\n") ? eol : "";
    return { start: text.length, end: text.length, text: prefix + renderNewPair(ctx, edit.path, edit.value, 0, null) + eol };
  }
  let map: YAMLMap = doc.contents;
  for (let depth = 0; depth < edit.path.length; depth++) {
    const key = edit.path[depth]!;
    const pair = findPair(map, key);
    const last = depth === edit.path.length - 1;
    if (!pair) {
      if (edit.value === undefined) return null;
      return insertPair(ctx, map, edit.path.slice(depth), edit.value);
    }
    if (last) return edit.value === undefined ? deletePair(ctx, map, pair) : replaceValue(ctx, pair, edit.value);
    const child = pair.value;
    if (isMap(child)) {
      map = child;
      continue;
    }
    if (edit.value === undefined) return null;
    // A scalar or list where a map is needed (or `key:` with nothing): the value becomes the map with the rest of the path.
    return replaceValue(ctx, pair, nest(edit.path.slice(depth + 1), edit.value));
  }
  throw new YamlSpliceError("an edit needs a path");
}

interface Ctx {
  text: string;
  eol: string;
  /** Spaces per nesting level, as the file indents (2 when it cannot be told). */
  indentUnit: number;
}

function nest(path: YamlPath, value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function findPair(map: YAMLMap, key: string): Pair<unknown, unknown> | undefined {
  return map.items.find((item) => keyOf(item as Pair) === key) as Pair<unknown, unknown> | undefined;
}

function rangeOf(node: unknown): [number, number, number] | null {
  return isNode(node) && node.range ? node.range : null;
}

function indentUnitOf(text: string): number {
  const match = /\n( +)\S/.exec(text);
  return match ? Math.min(match[1]!.length, 8) : 2;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function columnOf(text: string, offset: number): number {
  return offset - lineStart(text, offset);
}

/** The offset just past the end of the line that holds `offset` (its newline included), or the text's end. */
function afterLine(text: string, offset: number): number {
  const newline = text.indexOf("\n", offset);
  return newline < 0 ? text.length : newline + 1;
}

/** Where a pair's value ends (a `key:` with nothing ends after its key). */
function pairValueEnd(pair: Pair): number {
  const key = rangeOf(pair.key);
  return Math.max(key?.[1] ?? 0, pair.value == null ? 0 : contentEnd(pair.value));
}

/**
 * Where a node's own text ends. A block collection's range runs on over its last item's comment and line break,
 * so its end is its last item's.
 */
function contentEnd(node: unknown): number {
  if ((isSeq(node) || isMap(node)) && !node.flow && node.items.length > 0) {
    const last = node.items.at(-1);
    return isPair(last) ? pairValueEnd(last) : contentEnd(last);
  }
  return rangeOf(node)?.[1] ?? 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering values

const hasPadding = (source: string, open: string): boolean => source.startsWith(`${open} `) || source.startsWith(`${open}\t`);

/** A scalar as YAML would write it plainly (quoted only when it must be). */
function renderScalar(value: unknown, inFlow: boolean): string {
  if (value === null) return "null";
  if (typeof value === "string") {
    const plain = stringify(value).trimEnd();
    // Outside a flow collection yaml's choice is right; inside one, `,[]{}` would end the scalar.
    if (inFlow && plain === value && /[,[\]{}]/.test(value)) return JSON.stringify(value);
    return plain;
  }
  return stringify(value).trimEnd();
}

function renderFlow(value: unknown, padding: boolean): string {
  const pad = padding ? " " : "";
  if (Array.isArray(value)) return value.length === 0 ? "[]" : `[${pad}${value.map((item) => renderFlow(item, padding)).join(", ")}${pad}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    // Flow maps read best padded (`{ a: 1 }`), and yaml's own style agrees; sequences keep the file's habit.
    return entries.length === 0 ? "{}" : `{ ${entries.map(([k, v]) => `${renderScalar(k, true)}: ${renderFlow(v, padding)}`).join(", ")} }`;
  }
  return renderScalar(value, true);
}

/** A value in block style whose first line starts at column `column` (the rest of its lines indented to it). */
function renderBlock(ctx: Ctx, value: unknown, column: number, padding: boolean): string {
  const indent = " ".repeat(column);
  if (Array.isArray(value) && value.length > 0) {
    return value.map((item) => `- ${isCollection(item) ? renderFlow(item, padding) : renderScalar(item, false)}`).join(ctx.eol + indent);
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value)
      .map(([key, item]) => `${renderScalar(key, false)}:${renderAfterKey(ctx, item, column, padding)}`)
      .join(ctx.eol + indent);
  }
  return renderFlow(value, padding);
}

function isCollection(value: unknown): boolean {
  return value !== null && typeof value === "object";
}

/** What follows `key:` for a new pair at `column`: ` scalar`, ` [flow, list]`, or a nested block map on the next lines. */
function renderAfterKey(ctx: Ctx, value: unknown, column: number, padding: boolean, blockLists = false): string {
  if (Array.isArray(value) && blockLists && value.length > 0) {
    const inner = column + ctx.indentUnit;
    return ctx.eol + " ".repeat(inner) + renderBlock(ctx, value, inner, padding);
  }
  if (isCollection(value) && !Array.isArray(value) && Object.keys(value as object).length > 0) {
    const inner = column + ctx.indentUnit;
    return ctx.eol + " ".repeat(inner) + renderBlock(ctx, value, inner, padding);
  }
  return ` ${renderFlow(value, padding)}`;
}

/** `key: value` (nested keys as a block) for a pair that does not exist yet, at `column`. */
function renderNewPair(ctx: Ctx, path: YamlPath, value: unknown, column: number, style: SiblingStyle | null): string {
  const [first, ...rest] = path;
  const nested = rest.length > 0 ? nest(rest, value) : value;
  return `${renderScalar(first, false)}:${renderAfterKey(ctx, nested, column, style?.padding ?? false, style?.blockLists ?? false)}`;
}

interface SiblingStyle {
  padding: boolean;
  blockLists: boolean;
}

/** How the map's existing lists are written, so a new entry looks like its neighbours. */
function siblingStyle(ctx: Ctx, map: YAMLMap): SiblingStyle {
  for (const item of map.items) {
    const value = (item as Pair).value;
    if (isSeq(value) && value.range) {
      return { padding: value.flow ? hasPadding(ctx.text.slice(value.range[0]), "[") : false, blockLists: !value.flow };
    }
  }
  return { padding: false, blockLists: false };
}

// ---------------------------------------------------------------------------------------------------------------
// The three splices

function replaceValue(ctx: Ctx, pair: Pair<unknown, unknown>, value: unknown): Splice {
  const node = pair.value;
  const range = rangeOf(node);
  const keyRange = rangeOf(pair.key);
  if (!range || !keyRange || range[1] <= range[0]) {
    // `key:` with nothing after it: the value goes after the colon.
    const at = keyRange ? ctx.text.indexOf(":", keyRange[1]) + 1 : -1;
    if (at <= 0) throw new YamlSpliceError("cannot place the new value");
    const column = columnOf(ctx.text, keyRange![0]);
    return { start: at, end: range && range[1] > at ? range[1] : at, text: renderAfterKey(ctx, value, column, false) };
  }
  const end = contentEnd(node);
  const source = ctx.text.slice(range[0], end);
  const column = columnOf(ctx.text, range[0]);
  const startsOwnLine = ctx.text.slice(lineStart(ctx.text, range[0]), range[0]).trim() === "" && lineStart(ctx.text, range[0]) > keyRange[0];
  let text: string;
  if (isSeq(node) || isMap(node)) {
    const flow = (node as Node & { flow?: boolean }).flow === true;
    const padding = hasPadding(source, isSeq(node) ? "[" : "{");
    const sameShape = Array.isArray(value) === isSeq(node) && isCollection(value);
    const empty = Array.isArray(value) ? value.length === 0 : isCollection(value) && Object.keys(value as object).length === 0;
    if (!flow && sameShape && startsOwnLine && !empty) text = renderBlock(ctx, value, column, padding);
    else if (!flow && startsOwnLine) {
      // A block collection becomes something else: put it after the key instead.
      return { start: ctx.text.indexOf(":", keyRange[1]) + 1, end, text: ` ${renderFlow(value, padding)}` };
    } else text = renderFlow(value, padding || (isMap(node) && !flow));
  } else if (isAlias(node)) {
    text = renderFlow(value, false);
  } else {
    text = isCollection(value) ? renderFlow(value, false) : renderScalarLike(source, value);
  }
  return { start: range[0], end, text };
}

/** A new scalar quoted the way the old one was, when that still reads the same. */
function renderScalarLike(source: string, value: unknown): string {
  if (typeof value === "string") {
    if (source.startsWith('"')) return JSON.stringify(value);
    if (source.startsWith("'") && !value.includes("'")) return `'${value}'`;
  }
  return renderScalar(value, false);
}

function insertPair(ctx: Ctx, map: YAMLMap, path: YamlPath, value: unknown): Splice {
  const style = siblingStyle(ctx, map);
  const range = rangeOf(map);
  if (map.flow) {
    if (!range) throw new YamlSpliceError("cannot place the new entry");
    const entry = `${renderScalar(path[0], true)}: ${renderFlow(nest(path.slice(1), value), style.padding)}`;
    const last = map.items.at(-1) as Pair | undefined;
    if (!last) return { start: range[0], end: range[1], text: `{ ${entry} }` };
    const at = pairValueEnd(last);
    return { start: at, end: at, text: `, ${entry}` };
  }
  const first = map.items[0] as Pair | undefined;
  const firstKey = first ? rangeOf(first.key) : null;
  if (!first || !firstKey) throw new YamlSpliceError("cannot place the new entry");
  const column = columnOf(ctx.text, firstKey[0]);
  const last = map.items.at(-1) as Pair;
  const end = afterLine(ctx.text, pairValueEnd(last));
  const needsNewline = end === ctx.text.length && !ctx.text.endsWith("\n");
  const line = " ".repeat(column) + renderNewPair(ctx, path, value, column, style) + ctx.eol;
  return { start: end, end, text: (needsNewline ? ctx.eol : "") + line };
}

function deletePair(ctx: Ctx, map: YAMLMap, pair: Pair<unknown, unknown>): Splice {
  const keyRange = rangeOf(pair.key);
  if (!keyRange) throw new YamlSpliceError("cannot find the entry to delete");
  const index = map.items.indexOf(pair as never);
  if (map.flow) {
    const previous = map.items[index - 1] as Pair | undefined;
    const next = map.items[index + 1] as Pair | undefined;
    if (previous) return { start: pairValueEnd(previous), end: pairValueEnd(pair), text: "" };
    const nextKey = next ? rangeOf(next.key) : null;
    if (nextKey) return { start: keyRange[0], end: nextKey[0], text: "" };
    const range = rangeOf(map)!;
    return { start: range[0], end: range[1], text: "{}" };
  }
  if (map.items.length === 1 && columnOf(ctx.text, keyRange[0]) > 0) {
    // The map's only entry: `parent: {}` keeps the parent key meaningful (and valid where a map is required).
    const parentColon = ctx.text.lastIndexOf(":", lineStart(ctx.text, keyRange[0]));
    return { start: parentColon + 1, end: pairValueEnd(pair), text: " {}" };
  }
  return { start: attachedCommentsStart(ctx.text, keyRange[0]), end: afterLine(ctx.text, pairValueEnd(pair)), text: "" };
}

/** The start of the comment lines right above an entry (same indentation, no blank line between): they go with it. */
function attachedCommentsStart(text: string, keyOffset: number): number {
  const column = columnOf(text, keyOffset);
  let start = lineStart(text, keyOffset);
  while (start > 0) {
    const previous = lineStart(text, start - 1);
    const line = text.slice(previous, start).replace(/\r?\n$/, "");
    if (!line.startsWith(" ".repeat(column) + "#")) break;
    start = previous;
  }
  return start;
}

/** True when `node` (the value at a path) exists in the text's document. */
export function hasPath(text: string, path: YamlPath): boolean {
  const doc = parse(text);
  let node: unknown = doc.contents;
  for (const key of path) {
    if (!isMap(node)) return false;
    const pair = findPair(node, key);
    if (!pair) return false;
    node = pair.value;
  }
  return true;
}

/** The whole lines that hold the entry at `path` (its key through its value), or null when it is not there. */
export function entrySnippet(text: string, path: YamlPath): string | null {
  const doc = parse(text);
  let node: unknown = doc.contents;
  let pair: Pair | undefined;
  for (const key of path) {
    if (!isMap(node)) return null;
    pair = findPair(node, key);
    if (!pair) return null;
    node = pair.value;
  }
  const keyRange = pair ? rangeOf(pair.key) : null;
  if (!pair || !keyRange) return null;
  const end = afterLine(text, pairValueEnd(pair));
  const snippet = text.slice(lineStart(text, keyRange[0]), end).replace(/\r\n/g, "\n");
  return isPair(pair) ? snippet.replace(/\n$/, "") : null;
}
