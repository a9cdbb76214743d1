/**
 * The shape of a JSON value: its keys and value types, recursively (arrays by their first element).
 * Tests compare the simulator's answers with real vLLM captures by shape, since the values differ by nature.
 */
export type Shape = string | Shape[] | { [key: string]: Shape };

export function shapeOf(value: unknown): Shape {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(entries.map(([key, v]) => [key, shapeOf(v)]));
  }
  return typeof value;
}
