import { describe, expect, test } from "vitest";
import { EMPTY_FILTER_FORM, filtersFromForm, hasNarrowingFilters } from "./request-filters";

const now = Date.parse("2026-11-27T12:00:00Z");

describe("request filters", () => {
  test("a preset range is counted back from when it was applied", () => {
    expect(filtersFromForm({ ...EMPTY_FILTER_FORM, range: "1h" }, now)).toEqual({ ok: true, filters: { from: "2026-11-27T11:00:00.000Z" } });
    expect(filtersFromForm({ ...EMPTY_FILTER_FORM, range: "all" }, now)).toEqual({ ok: true, filters: {} });
  });

  test("every field maps to the API's parameter; blanks are left out", () => {
    const result = filtersFromForm(
      { ...EMPTY_FILTER_FORM, range: "all", model: " fast ", backend: "qwen-7b", client: "", outcomes: ["timeout", "served"], status: "200, 503", stream: "true", q: "  " },
      now,
    );
    expect(result).toEqual({ ok: true, filters: { model: "fast", backend: "qwen-7b", outcome: ["served", "timeout"], status: ["200", "503"], stream: true } });
  });

  test("bad input is refused with a reason", () => {
    expect(filtersFromForm({ ...EMPTY_FILTER_FORM, status: "5XX, 404" }, now)).toEqual({ ok: true, filters: { status: ["5xx", "404"] } });
    expect(filtersFromForm({ ...EMPTY_FILTER_FORM, status: "6xx" }, now)).toMatchObject({ ok: false });
    expect(filtersFromForm({ ...EMPTY_FILTER_FORM, status: "50x" }, now)).toMatchObject({ ok: false });
    expect(filtersFromForm({ ...EMPTY_FILTER_FORM, status: "700" }, now)).toMatchObject({ ok: false });
    expect(filtersFromForm({ ...EMPTY_FILTER_FORM, range: "custom", from: "2026-11-27T12:00", to: "2026-11-27T11:00" }, now)).toEqual({
      ok: false,
      error: "The start time must be before the end time.",
    });
  });

  test("a custom range is read in the browser's zone", () => {
    const result = filtersFromForm({ ...EMPTY_FILTER_FORM, range: "custom", from: "2026-11-27T10:00" }, now);
    expect(result).toEqual({ ok: true, filters: { from: new Date("2026-11-27T10:00").toISOString() } });
  });

  test("narrowing filters are those beyond time", () => {
    expect(hasNarrowingFilters({ from: "x" })).toBe(false);
    expect(hasNarrowingFilters({ from: "x", model: "fast" })).toBe(true);
  });
});
