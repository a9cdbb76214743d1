import { describe, expect, test } from "vitest";
import type { Page } from "./api-types";
import { readPages } from "./read-pages";

/** A list of `total` numbered rows served `size` at a time, the cursor being the next row's index. */
function pagedList(total: number, size: number) {
  const asked: (string | null)[] = [];
  const readPage = async (cursor: string | null): Promise<Page<number>> => {
    asked.push(cursor);
    const start = cursor === null ? 0 : Number(cursor);
    const rows = Array.from({ length: Math.max(0, Math.min(size, total - start)) }, (_, i) => start + i);
    return { rows, nextCursor: start + size < total ? String(start + size) : null };
  };
  return { asked, readPage };
}

describe("readPages", () => {
  test("follows the cursor to the end of the list", async () => {
    const list = pagedList(5, 2);
    expect(await readPages(list.readPage, 100)).toEqual({ rows: [0, 1, 2, 3, 4], complete: true });
    expect(list.asked).toEqual([null, "2", "4"]);
  });

  test("one request for a list that fits one page, and an empty one is complete", async () => {
    const one = pagedList(3, 200);
    expect(await readPages(one.readPage, 100)).toEqual({ rows: [0, 1, 2], complete: true });
    expect(one.asked).toEqual([null]);
    expect(await readPages(pagedList(0, 200).readPage, 100)).toEqual({ rows: [], complete: true });
  });

  test("stops at the cap and says the list went on", async () => {
    const list = pagedList(10, 3);
    expect(await readPages(list.readPage, 5)).toEqual({ rows: [0, 1, 2, 3, 4], complete: false });
    expect(list.asked).toEqual([null, "3"]);
  });

  test("a list exactly as long as the cap is complete", async () => {
    expect(await readPages(pagedList(6, 3).readPage, 6)).toEqual({ rows: [0, 1, 2, 3, 4, 5], complete: true });
  });
});
