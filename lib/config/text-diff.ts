/**
 * A line diff of two texts for the editor's preview and the audit trail: the common head and tail are skipped, the
 * rest is an LCS of lines (config edits touch a few lines of a few hundred, so the quadratic middle stays small).
 */

export interface DiffLine {
  kind: "context" | "removed" | "added";
  text: string;
  /** 1-based line in the old text (context and removed lines). */
  oldLine?: number;
  /** 1-based line in the new text (context and added lines). */
  newLine?: number;
}

const splitLines = (text: string): string[] => {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
};

/** The changed lines with `context` unchanged lines around each change; an unchanged text gives []. */
export function diffLines(before: string, after: string, context = 3): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  // lcs[i][j]: the longest common subsequence of midA[i..] and midB[j..].
  const lcs: number[][] = Array.from({ length: midA.length + 1 }, () => new Array<number>(midB.length + 1).fill(0));
  for (let i = midA.length - 1; i >= 0; i--) {
    for (let j = midB.length - 1; j >= 0; j--) lcs[i]![j] = midA[i] === midB[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const all: DiffLine[] = a.slice(0, head).map((text, i) => ({ kind: "context", text, oldLine: i + 1, newLine: i + 1 }));
  let i = 0;
  let j = 0;
  while (i < midA.length || j < midB.length) {
    if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
      all.push({ kind: "context", text: midA[i]!, oldLine: head + i + 1, newLine: head + j + 1 });
      i++;
      j++;
    } else if (j < midB.length && (i === midA.length || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
      all.push({ kind: "added", text: midB[j]!, newLine: head + j + 1 });
      j++;
    } else {
      all.push({ kind: "removed", text: midA[i]!, oldLine: head + i + 1 });
      i++;
    }
  }
  for (let k = 0; k < tail; k++) all.push({ kind: "context", text: a[a.length - tail + k]!, oldLine: a.length - tail + k + 1, newLine: b.length - tail + k + 1 });
  const keep = all.map((line, index) => line.kind !== "context" || all.slice(Math.max(0, index - context), index + context + 1).some((near) => near.kind !== "context"));
  return all.filter((_, index) => keep[index]);
}

/** The diff as unified-diff text (` `, `-`, `+` prefixes), for the audit trail. */
export function formatDiff(lines: readonly DiffLine[]): string {
  return lines.map((line) => `${line.kind === "added" ? "+" : line.kind === "removed" ? "-" : " "} ${line.text}`).join("\n");
}
