import { afterEach, describe, expect, test, vi } from "vitest";
import { ApiRequestError, fetchApi, sendApi, toQueryString } from "./api-client";
import { requestFiltersQuery } from "./queries/use-requests-query";

afterEach(() => vi.unstubAllGlobals());

describe("the admin API client", () => {
  test("a failed request carries the server's own message, status and code", async () => {
    vi.stubGlobal("fetch", async () => Response.json({ error: { code: "conflict", message: "a mode switch to deep is running" } }, { status: 409 }));
    const error = await sendApi("POST", "/api/modes/standard/activate").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error).toMatchObject({ message: "a mode switch to deep is running", status: 409, code: "conflict" });
  });

  test("mutations say they come from the console; reads unwrap the envelope", async () => {
    const seen: RequestInit[] = [];
    vi.stubGlobal("fetch", async (_path: string, init: RequestInit) => {
      seen.push(init);
      return Response.json({ data: { ok: true } });
    });
    expect(await fetchApi("/api/status")).toEqual({ ok: true });
    await sendApi("PUT", "/api/routes", { routes: {} });
    expect(seen[1]?.headers).toMatchObject({ "x-switchyard-client": "console", "content-type": "application/json" });
    expect(seen[1]?.body).toBe('{"routes":{}}');
  });

  test("an unreachable server is an error with status 0, not a crash", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(fetchApi("/api/status")).rejects.toMatchObject({ status: 0, message: "Cannot reach Switchyard (Failed to fetch)." });
  });

  test("query strings leave out what is not set", () => {
    expect(toQueryString({ a: "x", b: undefined, c: null, d: "", e: ["1", "2"], f: [], g: false })).toBe("?a=x&e=1%2C2&g=false");
    expect(toQueryString({})).toBe("");
    expect(requestFiltersQuery({ model: "fast", status: ["200", "503"], stream: true }, { limit: 50 })).toBe("?model=fast&status=200%2C503&stream=true&limit=50");
  });
});
