import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { doorsOnlyLabYaml, startAppHarness, type AppHarness, type AppHarnessOptions } from "@/lib/testing/app-harness";

/**
 * Console sign-in over real HTTP: a Switchyard from the production factory with a password and a token, the
 * real route files, the real session table on a temp SQLite file. A fresh one per test, so each test starts
 * with a fresh sign-in limiter.
 */

const PASSWORD = "correct horse battery staple";
const TOKEN = "test-admin-token-0123456789abcdef";

let app: AppHarness;

async function restart(adminSecrets: AppHarnessOptions["adminSecrets"]): Promise<void> {
  await app?.close();
  app = await startAppHarness({ yaml: () => doorsOnlyLabYaml("open"), adminSecrets });
}

beforeEach(() => restart({ password: PASSWORD, token: TOKEN, passwordParams: { N: 1024, r: 8, p: 1 } }));

afterEach(async () => {
  await app?.close();
  app = undefined as unknown as AppHarness;
});

type Envelope = { data?: Record<string, unknown>; error?: { code: string; message: string } };

async function send(pathname: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const response = await fetch(`${app.url}${pathname}`, {
    method: init.method ?? "GET",
    headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Envelope };
}

const fromConsole = () => ({ origin: app.url, "sec-fetch-site": "same-origin" });

async function signIn(): Promise<string> {
  const response = await send("/api/auth/login", { method: "POST", headers: fromConsole(), body: { password: PASSWORD } });
  expect(response.status).toBe(200);
  const cookie = response.headers.getSetCookie()[0] ?? "";
  return cookie.split(";")[0] ?? "";
}

describe("sign-in", () => {
  test("password -> cookie -> the session endpoint says signed in via session -> logout -> signed out", async () => {
    expect((await send("/api/auth/session")).body.data).toEqual({ authenticated: false, via: null, passwordLogin: true, open: false });

    const login = await send("/api/auth/login", { method: "POST", headers: fromConsole(), body: { password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.headers.get("cache-control")).toBe("no-store");
    const setCookie = login.headers.getSetCookie();
    expect(setCookie).toHaveLength(2);
    expect(setCookie[0]).toMatch(/^switchyard_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43200$/);
    // The device cookie: sent back only to sign-in, where it keeps this browser's sign-in budget its own.
    expect(setCookie[1]).toMatch(/^switchyard_device=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/api\/auth; Max-Age=\d+$/);
    const cookie = setCookie[0]!.split(";")[0]!;

    expect((await send("/api/auth/session", { headers: { cookie } })).body.data).toMatchObject({ authenticated: true, via: "session" });
    expect((await send("/api/auth/session", { headers: { authorization: `Bearer ${TOKEN}` } })).body.data).toMatchObject({ authenticated: true, via: "token" });

    const logout = await send("/api/auth/logout", { method: "POST", headers: { cookie, ...fromConsole() } });
    expect(logout.status).toBe(200);
    expect(logout.headers.getSetCookie()[0]).toMatch(/^switchyard_session=; .*Max-Age=0/);
    expect((await send("/api/auth/session", { headers: { cookie } })).body.data).toMatchObject({ authenticated: false });
    expect((await send("/api/keys", { headers: { cookie } })).status).toBe(401);
  });

  test("a wrong password is a 401 in the admin envelope", async () => {
    const response = await send("/api/auth/login", { method: "POST", headers: fromConsole(), body: { password: "nope" } });
    expect(response.status).toBe(401);
    expect(response.body.error?.code).toBe("unauthorized");
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  test("the sixth failure within five minutes gets 429 with Retry-After, even with the right password", async () => {
    for (let i = 0; i < 5; i++) {
      expect((await send("/api/auth/login", { method: "POST", headers: fromConsole(), body: { password: `guess-${i}` } })).status).toBe(401);
    }
    const limited = await send("/api/auth/login", { method: "POST", headers: fromConsole(), body: { password: PASSWORD } });
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(290);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(300);
    expect(limited.headers.getSetCookie()).toEqual([]);
  });

  test("sign-in from a foreign page is 403; from a script without Origin it works", async () => {
    const foreign = await send("/api/auth/login", { method: "POST", headers: { origin: "http://evil.example" }, body: { password: PASSWORD } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.getSetCookie()).toEqual([]);
    const script = await send("/api/auth/login", { method: "POST", body: { password: PASSWORD } });
    expect(script.status).toBe(200);
  });

  test("malformed bodies are 400s", async () => {
    for (const body of ["{", "[]", { password: 1 }, { password: "x", extra: true }]) {
      expect((await send("/api/auth/login", { method: "POST", headers: fromConsole(), body })).status).toBe(400);
    }
  });

  test("logout without Origin is refused for a cookie (it could be a forged form post)", async () => {
    const cookie = await signIn();
    expect((await send("/api/auth/logout", { method: "POST", headers: { cookie } })).status).toBe(403);
    expect((await send("/api/auth/session", { headers: { cookie } })).body.data).toMatchObject({ authenticated: true });
  });
});

test("with no password and no token configured the console is open, and says so", async () => {
  await restart(undefined);
  expect((await send("/api/auth/session")).body.data).toEqual({ authenticated: true, via: "open", passwordLogin: false, open: true });
  expect((await send("/api/keys")).status).toBe(200);
  expect((await send("/api/auth/login", { method: "POST", body: { password: "x" } })).status).toBe(400);
});

test("a forged X-Forwarded-For does not dodge the sign-in limit: without a trusted proxy the socket is the client", async () => {
  for (let i = 0; i < 5; i++) {
    const failed = await send("/api/auth/login", { method: "POST", headers: { ...fromConsole(), "x-forwarded-for": `203.0.113.${i}` }, body: { password: `guess-${i}` } });
    expect(failed.status).toBe(401);
  }
  const rotated = await send("/api/auth/login", { method: "POST", headers: { ...fromConsole(), "x-forwarded-for": "203.0.113.99", "x-switchyard-peer": "203.0.113.98" }, body: { password: PASSWORD } });
  expect(rotated.status).toBe(429);
});
