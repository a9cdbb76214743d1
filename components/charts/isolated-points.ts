/**
 * A value with a gap on both sides draws no line (a line needs two neighbouring values), so a chart of sparse data (a
 * bucket of latencies between quiet ones) would look empty. Such a point gets a dot; every other point stays bare.
 */
export function isIsolatedPoint(rows: readonly Record<string, number | null>[], key: string, index: number): boolean {
  const value = rows[index]?.[key];
  if (typeof value !== "number") return false;
  const present = (i: number) => typeof rows[i]?.[key] === "number";
  return !present(index - 1) && !present(index + 1);
}
