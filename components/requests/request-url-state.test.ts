import { describe, expect, test } from "vitest";
import { EMPTY_FILTER_FORM, type RequestFilterForm } from "./request-filters";
import { filterSearchKey, formFromSearchParams, formToSearchParams, requestsSearch } from "./request-url-state";

const form = (over: Partial<RequestFilterForm>): RequestFilterForm => ({ ...EMPTY_FILTER_FORM, ...over });

describe("request log URL state", () => {
  test("the form survives a round trip through the URL", () => {
    const typed = form({ range: "1h", model: "reasoning", status: "4xx, 503", outcomes: ["served", "bad_request"], stream: "true", q: "timeout", key: "k1", client: "10.0.0.2", backend: "qwen-7b", route: "fast" });
    expect(formFromSearchParams(new URLSearchParams(formToSearchParams(typed).toString()))).toEqual(typed);
  });

  test("an empty form is an empty URL; custom times only with the custom range", () => {
    expect(formToSearchParams(EMPTY_FILTER_FORM).toString()).toBe("");
    expect(formToSearchParams(form({ range: "1h", from: "2026-12-06T10:00" })).toString()).toBe("range=1h");
    expect(formToSearchParams(form({ range: "custom", from: "2026-12-06T10:00" })).toString()).toBe("range=custom&from=2026-12-06T10%3A00");
  });

  test("unknown values in a hand-edited link are ignored, not an error", () => {
    expect(formFromSearchParams(new URLSearchParams("range=3w&stream=maybe&outcome=served,nonsense&x=1"))).toEqual(form({ outcomes: ["served"] }));
  });

  test("the selected request rides along; the filter key ignores it", () => {
    expect(requestsSearch(form({ model: "fast" }), "42")).toBe("?model=fast&request=42");
    expect(requestsSearch(EMPTY_FILTER_FORM, null)).toBe("");
    expect(filterSearchKey(new URLSearchParams("request=42&model=fast"))).toBe("model=fast");
  });
});
