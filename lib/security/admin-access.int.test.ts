import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { LabStatus } from "@/lib/api/status";
import { simulatedLabYaml, startAppHarness, type AppHarness } from "@/lib/testing/app-harness";
import { discoverApiCalls, MUTATING_METHODS, PUBLIC_ROUTES } from "./api-calls";
import { cookiePair, waitFor } from "./test-support";

/**
 * The admin door (/api/*) of the whole application over real HTTP, with both SWITCHYARD_ADMIN_PASSWORD and
 * SWITCHYARD_ADMIN_TOKEN set. The list of routes is generated from app/api (./api-calls.ts), so a new route is
 * covered the day it is added; only the sign-in routes are public, and they are named there.
 */

const PASSWORD = "security-suite: correct horse battery staple";
const TOKEN = "security-suite-admin-token-0123456789abcdef";
const EVIL_ORIGIN = "https://evil.example";

const apiCalls = await discoverApiCalls({ password: PASSWORD });
const protectedCalls = apiCalls.filter((call) => !PUBLIC_ROUTES.includes(call.pattern));
const mutatingCalls = apiCalls.filter((call) => MUTATING_METHODS.has(call.method));

let app: AppHarness;
// The login limiter's window is five minutes: the rate-limit test moves the app's clock instead of waiting. The spy
// is installed before start-up because the limiter keeps the Date.now it was given then.
let clockSkewMs = 0;
/** The lab once it has come up, before any test ran. */
let settled: Awaited<ReturnType<typeof labFootprint>>;

beforeAll(async () => {
  const realNow = Date.now.bind(Date);
  vi.spyOn(Date, "now").mockImplementation(() => realNow() + clockSkewMs);
  // Behind a trusted proxy (this test client, on loopback), so a test can sign in from an address of its own.
  app = await startAppHarness({ adminSecrets: { password: PASSWORD, token: TOKEN, passwordParams: { N: 1024, r: 8, p: 1 } }, yaml: (ports) => `${simulatedLabYaml(ports)}server: { trustProxy: [127.0.0.1] }\n` });
  // The watchdog may restart a backend that was slow to come up: that would show up as a change below.
  for (const id of ["qwen-7b", "qwen-14b", "embed"]) {
    expect((await send({ method: "PUT", path: `/api/backends/${id}/watchdog`, body: { enabled: false } }, asAdmin)).status).toBe(200);
  }
  await waitFor(async () => {
    const lab = (await send({ method: "GET", path: "/api/status" }, asAdmin)).body?.data as LabStatus;
    return lab.operation === null && lab.backends.filter((b) => b.inCurrentMode && b.state === "ready").length === 3;
  }, "the standard backends ready");
  settled = await labFootprint();
}, 90_000);

afterAll(async () => {
  await app?.close();
  vi.restoreAllMocks();
});

interface Sent {
  status: number;
  headers: Headers;
  body: { data?: unknown; error?: { code: string; message: string } } | null;
}

async function send(call: { method: string; path: string; body?: unknown }, headers: Record<string, string> = {}): Promise<Sent> {
  const response = await fetch(`${app.url}${call.path}`, {
    method: call.method,
    headers: { ...(call.body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    signal: AbortSignal.timeout(15_000),
  });
  // /api/events streams when it is let in: read only what a refusal would hold.
  const text = response.headers.get("content-type")?.includes("text/event-stream") ? (await response.body?.cancel(), "") : await response.text();
  let body: Sent["body"] = null;
  try {
    body = JSON.parse(text) as Sent["body"];
  } catch {
    // not JSON (an empty HEAD answer, a stream): body stays null
  }
  return { status: response.status, headers: response.headers, body };
}

const asAdmin = { authorization: `Bearer ${TOKEN}` };
const fromConsole = () => ({ origin: app.url, "sec-fetch-site": "same-origin" });

async function signIn(): Promise<string> {
  const response = await send({ method: "POST", path: "/api/auth/login", body: { password: PASSWORD } }, fromConsole());
  expect(response.status).toBe(200);
  return cookiePair(response.headers.getSetCookie()[0] ?? "");
}

async function keyNames(): Promise<string[]> {
  const listed = await send({ method: "GET", path: "/api/keys" }, asAdmin);
  expect(listed.status).toBe(200);
  return (listed.body?.data as { rows: { name: string }[] }).rows.map((row) => row.name);
}

/** What a refused request could have changed: keys, the mode, lab operations, the config file. */
async function labFootprint() {
  const status = await send({ method: "GET", path: "/api/status" }, asAdmin);
  const switches = await send({ method: "GET", path: "/api/modes/switches" }, asAdmin);
  const lab = status.body?.data as { mode: string; operation: unknown };
  return {
    keys: await keyNames(),
    mode: lab.mode,
    operation: lab.operation,
    switches: (switches.body?.data as { rows: unknown[] }).rows.length,
    config: fs.readFileSync(app.configFile, "utf8"),
  };
}

describe("the admin API refuses strangers", () => {
  test("the route list is generated from app/api, covers the known routes, and its public exceptions all exist", () => {
    const patterns = new Set(apiCalls.map((call) => call.pattern));
    for (const known of ["GET /api/status", "GET /api/keys", "POST /api/keys", "POST /api/modes/[name]/activate", "GET /api/events"]) {
      expect(apiCalls.map((call) => `${call.method} ${call.pattern}`)).toContain(known);
    }
    for (const pattern of PUBLIC_ROUTES) expect(patterns.has(pattern)).toBe(true);
    expect(protectedCalls.length).toBeGreaterThan(15);
  });

  test.each(protectedCalls)("$method $pattern without credentials (none, a wrong token, a forged cookie, the token as x-api-key) -> 401", async (call) => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
      { cookie: `switchyard_session=${"A".repeat(43)}`, origin: app.url },
      { "x-api-key": TOKEN },
    ];
    for (const headers of attempts) {
      const response = await send(call, headers);
      expect({ headers, status: response.status }).toEqual({ headers, status: 401 });
      if (call.method !== "HEAD") expect(response.body?.error?.code).toBe("unauthorized");
    }
  });

  test("the public routes answer strangers without letting them in", async () => {
    const session = await send({ method: "GET", path: "/api/auth/session" });
    expect(session.status).toBe(200);
    expect(session.body?.data).toMatchObject({ authenticated: false, via: null, open: false });
    const logout = await send({ method: "POST", path: "/api/auth/logout" }, fromConsole());
    expect(logout.status).toBe(200);
    expect(logout.body?.data).toMatchObject({ authenticated: false });
  });

  test("nothing the refused requests asked for happened", async () => {
    expect(settled).toMatchObject({ keys: [], mode: "standard", operation: null });
    expect(await labFootprint()).toEqual(settled);
  });
});

describe("admin token and API keys", () => {
  test("the admin token as Bearer gets 200 on GET /api/status", async () => {
    const response = await send({ method: "GET", path: "/api/status" }, asAdmin);
    expect(response.status).toBe(200);
    expect(response.body?.data).toMatchObject({ mode: "standard", adminAccess: { open: false, passwordLogin: true } });
  });

  test("an API key (created with the token) never grants admin access: 401 as Bearer and as x-api-key", async () => {
    const created = await send({ method: "POST", path: "/api/keys", body: { name: "gateway-client" } }, asAdmin);
    expect(created.status).toBe(201);
    const key = (created.body?.data as { key: string }).key;
    expect(key).toMatch(/^sy-/);
    const presented: Record<string, string>[] = [{ authorization: `Bearer ${key}` }, { "x-api-key": key }];
    for (const headers of presented) {
      expect((await send({ method: "GET", path: "/api/status" }, headers)).status).toBe(401);
      expect((await send({ method: "GET", path: "/api/keys" }, headers)).status).toBe(401);
      expect((await send({ method: "POST", path: "/api/keys", body: { name: "minted-by-a-key" } }, { ...headers, ...fromConsole() })).status).toBe(401);
    }
    expect(await keyNames()).toEqual(["gateway-client"]);
  });
});

describe("cross-site requests", () => {
  test.each(mutatingCalls)("$method $pattern from https://evil.example -> 403, with a valid session cookie and with the token", async (call) => {
    const cookie = await signIn();
    for (const credentials of [{ cookie }, asAdmin]) {
      const response = await send(call, { ...credentials, origin: EVIL_ORIGIN });
      expect({ credentials, status: response.status }).toEqual({ credentials, status: 403 });
      expect(response.body?.error?.code).toBe("forbidden");
    }
  });

  test("Sec-Fetch-Site: cross-site -> 403 (token, or cookie with a matching Origin); a cookie POST without Origin -> 403", async () => {
    const before = await labFootprint();
    const cookie = await signIn();
    const createKey = { method: "POST", path: "/api/keys", body: { name: "csrf" } };
    const activate = { method: "POST", path: "/api/modes/deep/activate", body: {} };
    for (const call of [createKey, activate]) {
      const forged: Record<string, string>[] = [
        { ...asAdmin, "sec-fetch-site": "cross-site" },
        { cookie, origin: app.url, "sec-fetch-site": "cross-site" },
        { cookie, "sec-fetch-site": "Cross-Site " },
        { cookie },
      ];
      for (const headers of forged) {
        const response = await send(call, headers);
        expect({ headers, status: response.status }).toEqual({ headers, status: 403 });
      }
    }
    // The session survives a forged logout without Origin.
    expect((await send({ method: "POST", path: "/api/auth/logout" }, { cookie })).status).toBe(403);
    expect((await send({ method: "GET", path: "/api/status" }, { cookie })).status).toBe(200);
    expect(await labFootprint()).toEqual(before);
  });

  test("a same-origin POST with the session cookie succeeds", async () => {
    const cookie = await signIn();
    const created = await send({ method: "POST", path: "/api/keys", body: { name: "from-the-console" } }, { cookie, ...fromConsole() });
    expect(created.status).toBe(201);
    // A browser without Sec-Fetch-Site (older ones) is fine as long as the Origin matches.
    const second = await send({ method: "POST", path: "/api/keys", body: { name: "from-an-older-browser" } }, { cookie, origin: app.url });
    expect(second.status).toBe(201);
    expect(await keyNames()).toEqual(expect.arrayContaining(["from-the-console", "from-an-older-browser"]));
  });
});

describe("console sign-in", () => {
  test("a wrong password -> 401 and no cookie", async () => {
    const response = await send({ method: "POST", path: "/api/auth/login", body: { password: `${PASSWORD}!` } }, fromConsole());
    expect(response.status).toBe(401);
    expect(response.body?.error?.code).toBe("unauthorized");
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  test("the right password -> Set-Cookie with HttpOnly and SameSite=Strict; the cookie opens /api/status; logout ends it", async () => {
    const login = await send({ method: "POST", path: "/api/auth/login", body: { password: PASSWORD } }, fromConsole());
    expect(login.status).toBe(200);
    const setCookie = login.headers.getSetCookie();
    expect(setCookie.map((value) => value.split("=")[0])).toEqual(["switchyard_session", "switchyard_device"]);
    const attributes = (setCookie[0] ?? "").split(";").map((part) => part.trim().toLowerCase());
    expect(attributes).toContain("httponly");
    expect(attributes).toContain("samesite=strict");
    const cookie = cookiePair(setCookie[0] ?? "");
    expect(cookie).toMatch(/^switchyard_session=.{32,}$/);

    expect((await send({ method: "GET", path: "/api/status" }, { cookie })).status).toBe(200);
    const logout = await send({ method: "POST", path: "/api/auth/logout" }, { cookie, ...fromConsole() });
    expect(logout.status).toBe(200);
    expect(logout.headers.getSetCookie()[0]).toMatch(/^switchyard_session=;.*Max-Age=0/i);
    // The server forgot the session: the old cookie, replayed, opens nothing.
    expect((await send({ method: "GET", path: "/api/status" }, { cookie })).status).toBe(401);
    expect((await send({ method: "GET", path: "/api/auth/session" }, { cookie })).body?.data).toMatchObject({ authenticated: false });
  });

  test("login rate limit: repeated failures -> 429 with Retry-After; then even the right password is refused until the window passes", async () => {
    // One client address of its own (named by the trusted proxy), so the rest of this file's sign-ins are not counted with it.
    const client = { ...fromConsole(), "x-forwarded-for": "198.51.100.23" };
    const login = (password: string) => send({ method: "POST", path: "/api/auth/login", body: { password } }, client);
    let failures = 0;
    let limited: Sent | null = null;
    for (let attempt = 0; attempt < 10 && !limited; attempt++) {
      const response = await login(`guess-${attempt}`);
      if (response.status === 429) limited = response;
      else {
        expect(response.status).toBe(401);
        failures += 1;
      }
    }
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(limited?.body?.error?.code).toBe("rate_limited");
    const retryAfter = Number(limited?.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    const refused = await login(PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.headers.getSetCookie()).toEqual([]);
    // Shortly before the window ends: still refused, and told to wait the rest.
    clockSkewMs = (retryAfter - 5) * 1000;
    const stillRefused = await login(PASSWORD);
    expect(stillRefused.status).toBe(429);
    expect(Number(stillRefused.headers.get("retry-after"))).toBeLessThanOrEqual(6);
    // Once it has passed, the right password works again.
    clockSkewMs = (retryAfter + 1) * 1000;
    const allowed = await login(PASSWORD);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.getSetCookie()).toHaveLength(2);
  });

  test("an attacker who trips the overall ceiling from many addresses cannot lock out the operator's browser, nor sign-in on the machine itself", async () => {
    const login = (password: string, headers: Record<string, string>) => send({ method: "POST", path: "/api/auth/login", body: { password } }, { ...fromConsole(), ...headers });
    // The operator signed in once from their laptop: the browser keeps the device cookie.
    const operator = await login(PASSWORD, { "x-forwarded-for": "203.0.113.7" });
    expect(operator.status).toBe(200);
    const device = cookiePair(operator.headers.getSetCookie().find((value) => value.startsWith("switchyard_device=")) ?? "");
    expect(device).toMatch(/^switchyard_device=/);

    // One wrong guess from each of 110 real addresses: under every per-address limit, over the overall ceiling (100).
    const statuses = new Set<number>();
    for (let i = 0; i < 110; i++) statuses.add((await login(`guess-${i}`, { "x-forwarded-for": `198.18.0.${i}` })).status);
    expect([...statuses].sort()).toEqual([401, 429]);

    // Strangers are refused now, even with the right password, and a forged device cookie makes nobody known...
    expect((await login(PASSWORD, { "x-forwarded-for": "198.19.0.1" })).status).toBe(429);
    const forged = `switchyard_device=${"A".repeat(22)}.${"B".repeat(43)}`;
    expect((await login(PASSWORD, { "x-forwarded-for": "198.19.0.2", cookie: forged })).status).toBe(429);
    // ...but the operator's browser signs in from a new address, and so does anyone on the machine itself.
    const fromLaptop = await login(PASSWORD, { "x-forwarded-for": "192.0.2.50", cookie: device });
    expect(fromLaptop.status).toBe(200);
    expect((await send({ method: "GET", path: "/api/status" }, { cookie: cookiePair(fromLaptop.headers.getSetCookie()[0] ?? "") })).status).toBe(200);
    expect((await login(PASSWORD, {})).status).toBe(200);

    clockSkewMs += 6 * 60_000; // the ceiling's window passes for the tests after this one
  });
});

// Last in the file: when it fails, the lab may be left switching to a mode that does not exist.
describe("names from the URL are looked up safely", () => {
  test("a mode or backend named like an Object.prototype member (constructor, __proto__, toString) -> 404 with the token, and the lab is left alone", async () => {
    const before = await labFootprint();
    const answers: string[] = [];
    // An ordinary unknown name first: what every name that is not configured gets.
    for (const name of ["no-such-name", "constructor", "__proto__", "toString"]) {
      for (const call of [
        { method: "POST", path: `/api/modes/${name}/activate`, body: {} },
        { method: "POST", path: `/api/backends/${name}/restart`, body: {} },
        { method: "PUT", path: `/api/backends/${name}/limits`, body: { maxConcurrency: 1 } },
        { method: "PUT", path: `/api/backends/${name}/watchdog`, body: { enabled: false } },
        { method: "GET", path: `/api/backends/${name}/logs` },
        { method: "GET", path: `/api/backends/${name}/metrics/history` },
      ]) {
        answers.push(`${call.method} ${call.path}: ${(await send(call, asAdmin)).status}`);
      }
    }
    expect(answers).toEqual(answers.map((answer) => answer.replace(/: \d+$/, ": 404")));
    expect(await labFootprint()).toEqual(before);
  });
});
