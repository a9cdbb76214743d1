/**
 * Turns a stream of text chunks into whole lines. A pipe hands over whatever bytes are ready, so a row can
 * arrive in pieces and one chunk can hold several rows; only complete lines are passed on.
 */
export interface LineSplitter {
  push(chunk: string): void;
  /** Drops a trailing partial line (the writer died mid-row: it is not a row we can trust). */
  reset(): void;
}

/**
 * `maxLineLength` bounds memory if the other side never sends a newline: a longer line is dropped whole,
 * up to and including its newline.
 */
export function createLineSplitter(onLine: (line: string) => void, maxLineLength = 64 * 1024): LineSplitter {
  let partial = "";
  let discarding = false;
  return {
    push(chunk) {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const part of parts) {
        if (discarding) {
          discarding = false;
          continue;
        }
        onLine(part.endsWith("\r") ? part.slice(0, -1) : part);
      }
      if (partial.length > maxLineLength) {
        partial = "";
        discarding = true;
      }
    },
    reset() {
      partial = "";
      discarding = false;
    },
  };
}
