import { expect, test } from "vitest";
import { createLineSplitter } from "./line-splitter";

test("whole lines come out once, whatever the chunking; CRLF is trimmed", () => {
  const text = "first row\r\nsecond row\nthird";
  for (let size = 1; size <= text.length; size++) {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => lines.push(line));
    for (let i = 0; i < text.length; i += size) splitter.push(text.slice(i, i + size));
    expect(lines).toEqual(["first row", "second row"]);
  }
});

test("reset drops a partial line left by a writer that died mid-row", () => {
  const lines: string[] = [];
  const splitter = createLineSplitter((line) => lines.push(line));
  splitter.push("0, 45, 21");
  splitter.reset();
  splitter.push("1, 50\n");
  expect(lines).toEqual(["1, 50"]);
});

test("a runaway line without newline is discarded instead of growing without bound", () => {
  const lines: string[] = [];
  const splitter = createLineSplitter((line) => lines.push(line), 10);
  splitter.push("x".repeat(25));
  splitter.push("tail\nnext\n");
  expect(lines).toEqual(["next"]);
});
