import type { Page } from "./api-types";

/**
 * Every row of a keyset-paged list, page after page, up to `cap` rows (`complete` says whether the list ended before
 * it). For lists bounded by a filter (a chart's time window) that may still be longer than one page.
 */
export async function readPages<Row>(readPage: (cursor: string | null) => Promise<Page<Row>>, cap: number): Promise<{ rows: Row[]; complete: boolean }> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Row> = await readPage(cursor);
    rows.push(...page.rows);
    cursor = page.nextCursor;
  } while (cursor !== null && rows.length < cap);
  return { rows: rows.slice(0, cap), complete: cursor === null && rows.length <= cap };
}
