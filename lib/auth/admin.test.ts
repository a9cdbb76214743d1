import { describe, expect, test } from "vitest";
import { toApiError } from "@/lib/api/envelope";
import { createAdminAuth, SESSION_COOKIE, sessionId, type AdminAuthOptions, type AdminSessionStore, type StoredAdminSession } from "./admin";
import { generateApiKey } from "./api-keys";
import { AuthError } from "./errors";
import { LoginRateLimiter } from "./login-rate-limit";

/** The stored session id of a `switchyard_session=<token>` cookie. */
const stored = (cookie: string): string => sessionId(cookie.slice(`${SESSION_COOKIE}=`.length));

const PASSWORD = "hunter2-but-longer";
const TOKEN = "admin-token-0123456789abcdefghijklmnop";
const ORIGIN = "http://lab.local:3000";

function memoryStore() {
  const rows = new Map<string, StoredAdminSession & { createdAt: Date; userAgent: string | null; clientAddress: string | null }>();
  const store: AdminSessionStore = {
    create: async (session) => void rows.set(session.id, { ...session, lastSeenAt: session.createdAt }),
    find: async (id) => rows.get(id) ?? null,
    touch: async (id, at) => {
      const row = rows.get(id);
      if (row) row.lastSeenAt = at;
    },
    delete: async (id) => void rows.delete(id),
    deleteExpired: async (now) => {
      let count = 0;
      for (const [id, row] of rows) if (row.expiresAt <= now && rows.delete(id)) count++;
      return count;
    },
  };
  return { rows, store };
}

async function setup(options: Partial<AdminAuthOptions> = {}) {
  let clock = Date.parse("2026-11-29T12:00:00Z");
  const { rows, store } = memoryStore();
  const auth = await createAdminAuth({
    password: PASSWORD,
    token: TOKEN,
    sessions: store,
    now: () => clock,
    passwordParams: { N: 1024, r: 8, p: 1 },
    sessionTtlMs: 60 * 60_000,
    ...options,
  });
  return { auth, rows, advance: (ms: number) => (clock += ms) };
}

function request(path: string, init: { method?: string; headers?: Record<string, string> } = {}): Request {
  return new Request(`${ORIGIN}${path}`, { method: init.method ?? "GET", headers: { host: "lab.local:3000", "x-switchyard-peer": "10.0.0.7", ...init.headers } });
}

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

function cookieOf(setCookie: string): string {
  return setCookie.split(";")[0] ?? "";
}

describe("signing in", () => {
  test("the right password opens a session whose cookie is HttpOnly, SameSite=Strict, Path=/ with a Max-Age", async () => {
    const { auth, rows } = await setup();
    const signIn = await auth.login(request("/api/auth/login", { method: "POST", headers: { "user-agent": "Firefox" } }), PASSWORD);
    const [pair, ...attributes] = signIn.setCookie.split("; ");
    const token = pair?.slice(`${SESSION_COOKIE}=`.length) ?? "";
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(attributes).toEqual(["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=3600"]);
    // Only the token's hash is stored.
    const stored = [...rows.values()];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: sessionId(token), userAgent: "Firefox", clientAddress: "10.0.0.7" });
    expect(JSON.stringify(stored)).not.toContain(token);

    const withCookie = request("/api/status", { headers: { cookie: `theme=dark; ${cookieOf(signIn.setCookie)}` } });
    // The session is named (its stored id, never the token): the audit trail records who changed what.
    await expect(auth.authorize(withCookie)).resolves.toEqual({ via: "session", sessionId: sessionId(token) });
  });

  test("the cookie is Secure when the browser came over https", async () => {
    const { auth } = await setup();
    const signIn = await auth.login(request("/api/auth/login", { method: "POST", headers: { "x-forwarded-proto": "https" } }), PASSWORD);
    expect(signIn.setCookie.split("; ")).toContain("Secure");
  });

  test("a wrong password is 401 and opens nothing", async () => {
    const { auth, rows } = await setup();
    const error = await refusal(auth.login(request("/api/auth/login", { method: "POST" }), "hunter2"));
    expect(error.kind).toBe("wrong_password");
    expect(toApiError(error).code).toBe("unauthorized");
    expect(rows.size).toBe(0);
  });

  test("five failures from one address in five minutes: the sixth attempt is refused with a retry time, even with the right password", async () => {
    const { auth, advance } = await setup();
    const attempt = (password: string, address = "10.0.0.7") =>
      auth.login(request("/api/auth/login", { method: "POST", headers: { "x-switchyard-peer": address } }), password);
    for (let i = 0; i < 5; i++) {
      expect((await refusal(attempt("wrong"))).kind).toBe("wrong_password");
      advance(1_000);
    }
    const limited = await refusal(attempt(PASSWORD));
    expect(limited.kind).toBe("login_rate_limited");
    expect(limited.options.retryAfterSeconds).toBe(295);
    expect(toApiError(limited)).toMatchObject({ code: "rate_limited", options: { retryAfterSeconds: 295 } });
    // Another address is not affected, and the first one may try again once the window has passed.
    await expect(attempt(PASSWORD, "10.0.0.8")).resolves.toBeDefined();
    advance(295_000);
    await expect(attempt(PASSWORD)).resolves.toBeDefined();
  });

  test("without a password configured, sign-in is refused as not enabled", async () => {
    const { auth } = await setup({ password: null });
    const error = await refusal(auth.login(request("/api/auth/login", { method: "POST" }), "anything"));
    expect(error.kind).toBe("login_disabled");
    expect(toApiError(error).code).toBe("bad_request");
    expect(auth.passwordLogin).toBe(false);
  });
});

describe("authorizing admin requests", () => {
  test("the admin token as Bearer is accepted; anything else is 401", async () => {
    const { auth } = await setup();
    await expect(auth.authorize(request("/api/status", { headers: { authorization: `Bearer ${TOKEN}` } }))).resolves.toEqual({ via: "token" });
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, `Basic ${TOKEN}`, "Bearer ", `Bearer ${"a".repeat(1 << 20)}`]) {
      expect((await refusal(auth.authorize(request("/api/status", { headers: { authorization } })))).kind).toBe("not_authorized");
    }
    const none = await refusal(auth.authorize(request("/api/status")));
    expect(none.kind).toBe("not_authorized");
    expect(toApiError(none).code).toBe("unauthorized");
  });

  test("an API key never grants admin access", async () => {
    const { auth } = await setup();
    const { key } = generateApiKey();
    for (const headers of [{ authorization: `Bearer ${key}` }, { "x-api-key": key }] as Record<string, string>[]) {
      expect((await refusal(auth.authorize(request("/api/keys", { headers })))).kind).toBe("not_authorized");
    }
  });

  test("a session ends at its expiry, at logout, and a forged or garbled cookie is nothing", async () => {
    const { auth, advance, rows } = await setup();
    const { setCookie } = await auth.login(request("/api/auth/login", { method: "POST" }), PASSWORD);
    const cookie = cookieOf(setCookie);
    const withCookie = (value: string) => request("/api/status", { headers: { cookie: value } });
    advance(60 * 60_000 - 1);
    await expect(auth.authorize(withCookie(cookie))).resolves.toEqual({ via: "session", sessionId: stored(cookie) });
    advance(1);
    expect((await refusal(auth.authorize(withCookie(cookie)))).kind).toBe("not_authorized");

    const second = cookieOf((await auth.login(request("/api/auth/login", { method: "POST" }), PASSWORD)).setCookie);
    expect(rows.size).toBe(1); // the expired session was swept at sign-in
    for (const forged of [`${SESSION_COOKIE}=${"A".repeat(43)}`, `${SESSION_COOKIE}=${sessionId("x")}`, `${SESSION_COOKIE}=%00`, `${SESSION_COOKIE}="${"A".repeat(43)}`, `${second}x`]) {
      expect((await refusal(auth.authorize(withCookie(forged)))).kind).toBe("not_authorized");
    }
    const logout = await auth.logout(request("/api/auth/logout", { method: "POST", headers: { cookie: second } }));
    expect(logout.setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0$`));
    expect(rows.size).toBe(0);
    expect((await refusal(auth.authorize(withCookie(second)))).kind).toBe("not_authorized");
  });

  test("a session's last use is recorded at most once a minute", async () => {
    const { auth, advance, rows } = await setup();
    const { setCookie } = await auth.login(request("/api/auth/login", { method: "POST" }), PASSWORD);
    const row = [...rows.values()][0]!;
    const signedInAt = row.lastSeenAt.getTime();
    advance(30_000);
    await auth.authorize(request("/api/status", { headers: { cookie: cookieOf(setCookie) } }));
    expect(row.lastSeenAt.getTime()).toBe(signedInAt);
    advance(30_000);
    await auth.authorize(request("/api/status", { headers: { cookie: cookieOf(setCookie) } }));
    expect(row.lastSeenAt.getTime()).toBe(signedInAt + 60_000);
  });

  test("with neither a password nor a token configured the console is open", async () => {
    const { auth } = await setup({ password: "", token: undefined });
    expect(auth.open).toBe(true);
    await expect(auth.authorize(request("/api/status"))).resolves.toEqual({ via: "open" });
  });

  test("a token alone protects the console: no token, no access", async () => {
    const { auth } = await setup({ password: null });
    expect(auth.open).toBe(false);
    expect((await refusal(auth.authorize(request("/api/status")))).message).toMatch(/admin token/);
  });

  test("require() adds the same-origin rule for changes", async () => {
    const { auth } = await setup();
    const { setCookie } = await auth.login(request("/api/auth/login", { method: "POST" }), PASSWORD);
    const cookie = cookieOf(setCookie);
    const post = (headers: Record<string, string>) => request("/api/keys", { method: "POST", headers });
    await expect(auth.require(post({ cookie, origin: ORIGIN }))).resolves.toEqual({ via: "session", sessionId: stored(cookie) });
    expect((await refusal(auth.require(post({ cookie })))).kind).toBe("cross_origin");
    const foreign = await refusal(auth.require(post({ cookie, origin: "http://evil.example" })));
    expect(foreign.kind).toBe("cross_origin");
    expect(toApiError(foreign).code).toBe("forbidden");
    await expect(auth.require(post({ authorization: `Bearer ${TOKEN}` }))).resolves.toEqual({ via: "token" });
    // Unauthorized comes first: a stranger learns nothing from the origin rule.
    expect((await refusal(auth.require(post({ origin: "http://evil.example" })))).kind).toBe("not_authorized");
  });

  test("an injected limiter is used (its clock decides)", async () => {
    const limiter = new LoginRateLimiter({ maxFailures: 1, now: () => 0 });
    const { auth } = await setup({ loginLimiter: limiter });
    expect((await refusal(auth.login(request("/api/auth/login", { method: "POST" }), "wrong"))).kind).toBe("wrong_password");
    expect((await refusal(auth.login(request("/api/auth/login", { method: "POST" }), PASSWORD))).kind).toBe("login_rate_limited");
  });
});
