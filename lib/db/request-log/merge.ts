/** Where a row stands in "newest first" order: its stored receivedAt (fixed-width text, so text order is time order) and id. */
export type RowPosition<Row> = (row: Row) => { at: string; id: number };

/**
 * Newest first, from several walks that are each newest first (one per value of a multi-value filter). return()
 * closes every walk's cursor, also before the first next() (where a generator's finally would never run).
 */
export function mergeNewestFirst<Row>(walks: Iterator<Row>[], positionOf: RowPosition<Row>): Iterator<Row> {
  const isNewer = (a: Row, b: Row) => {
    const [pa, pb] = [positionOf(a), positionOf(b)];
    return pa.at === pb.at ? pa.id > pb.id : pa.at > pb.at;
  };
  let heads: IteratorResult<Row>[] | null = null;
  const close = (): IteratorReturnResult<undefined> => {
    for (const walk of walks.splice(0)) walk.return?.();
    return { done: true, value: undefined };
  };
  return {
    next() {
      if (walks.length === 0) return { done: true, value: undefined };
      heads ??= walks.map((walk) => walk.next());
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        if (heads[i]!.done) continue;
        if (best < 0 || isNewer(heads[i]!.value as Row, heads[best]!.value as Row)) best = i;
      }
      if (best < 0) return close();
      const row = heads[best]!.value as Row;
      heads[best] = walks[best]!.next();
      return { done: false, value: row };
    },
    return: close,
  };
}
