import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { AuthError } from "./errors";
import { createDeviceCookies } from "./device-cookie";
import { LoginRateLimiter, type LoginClient } from "./login-rate-limit";
import { assertSameOrigin, type AdminVia } from "./origin";
import { hashPassword, verifyPassword, type PasswordHash } from "./password";
import { bearerToken, clientAddressOf, cookieValue, isLoopbackAddress, requestScheme } from "./request-facts";

export { assertSameOrigin, type AdminVia } from "./origin";

/**
 * Who may use the console and the admin API (/api/*):
 * - a console session: `POST /api/auth/login {password}` with SWITCHYARD_ADMIN_PASSWORD sets an HttpOnly,
 *   SameSite=Strict cookie holding a random token; the database keeps only the token's SHA-256;
 * - the admin token (SWITCHYARD_ADMIN_TOKEN) as `Authorization: Bearer <token>`, for scripts;
 * - nobody checked at all when neither is configured: the console is open, and the status API says so.
 * API keys never grant admin access: they are not compared with anything here.
 */

export const SESSION_COOKIE = "switchyard_session";
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const SESSION_TOUCH_INTERVAL_MS = 60_000;
const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface StoredAdminSession {
  id: string;
  expiresAt: Date;
  lastSeenAt: Date;
}

/** Where sessions live (lib/db/queries/admin-sessions.ts in the app; a Map in unit tests). */
export interface AdminSessionStore {
  create(session: { id: string; createdAt: Date; expiresAt: Date; userAgent: string | null; clientAddress: string | null }): Promise<void>;
  find(id: string): Promise<StoredAdminSession | null>;
  touch(id: string, at: Date): Promise<void>;
  delete(id: string): Promise<void>;
  deleteExpired(now: Date): Promise<number>;
}

export interface AdminAuthOptions {
  /** SWITCHYARD_ADMIN_PASSWORD; absent or empty = no password sign-in. */
  password?: string | null;
  /** SWITCHYARD_ADMIN_TOKEN; absent or empty = no token access. */
  token?: string | null;
  sessions: AdminSessionStore;
  now?: () => number;
  sessionTtlMs?: number;
  loginLimiter?: LoginRateLimiter;
  /** Who the client is (its address), for the sign-in limit and the session record; default: the socket's peer. */
  clientAddress?: (request: Request) => string;
  /** scrypt cost; tests lower it. */
  passwordParams?: PasswordHash["params"];
}

export interface AdminSignIn {
  /** The Set-Cookie header value of the session. */
  setCookie: string;
  /** The Set-Cookie header value of the device cookie, which keeps this browser's sign-in budget its own. */
  deviceCookie: string;
  expiresAt: Date;
}

/** Who an authorized admin request comes from: how it got in, and its session (the stored id) when it has one. */
export interface AdminIdentity {
  via: AdminVia;
  sessionId?: string;
}

export interface AdminAuth {
  /** Neither a password nor a token is configured: anyone who reaches the console may use it. */
  readonly open: boolean;
  readonly passwordLogin: boolean;
  readonly tokenAccess: boolean;
  /** How the request is authorized, or null when it is not. */
  check(request: Request): Promise<AdminIdentity | null>;
  /** Like check, but a request that is not authorized is an AuthError("not_authorized"). */
  authorize(request: Request): Promise<AdminIdentity>;
  /** authorize, then the same-origin rule for requests that change something (403). */
  require(request: Request): Promise<AdminIdentity>;
  /** Checks the password (rate-limited per known device or client address) and opens a session. */
  login(request: Request, password: string): Promise<AdminSignIn>;
  /** Ends the request's session, if any; returns the Set-Cookie value that clears the cookie. */
  logout(request: Request): Promise<{ setCookie: string }>;
}

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest();

export async function createAdminAuth(options: AdminAuthOptions): Promise<AdminAuth> {
  const now = options.now ?? Date.now;
  const ttlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const limiter = options.loginLimiter ?? new LoginRateLimiter({ now });
  const sessions = options.sessions;
  // Hashed once at start so the plaintext is not kept around and every comparison costs the same.
  const passwordHash = options.password ? await hashPassword(options.password, options.passwordParams) : null;
  const devices = options.password ? await createDeviceCookies(options.password, options.passwordParams) : null;
  // Comparing digests keeps timingSafeEqual's equal-length requirement from revealing the token's length.
  const tokenDigest = options.token ? sha256(options.token) : null;
  const open = passwordHash === null && tokenDigest === null;

  function tokenMatches(request: Request): boolean {
    const presented = tokenDigest ? bearerToken(request) : null;
    return tokenDigest !== null && presented !== null && timingSafeEqual(sha256(presented), tokenDigest);
  }

  async function validSession(request: Request): Promise<StoredAdminSession | null> {
    const token = cookieValue(request, SESSION_COOKIE);
    if (!token || !SESSION_TOKEN_PATTERN.test(token)) return null;
    const session = await sessions.find(sessionId(token));
    const at = now();
    if (!session || session.expiresAt.getTime() <= at) return null;
    if (at - session.lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS) {
      sessions.touch(session.id, new Date(at)).catch((error: unknown) => console.error("[auth] could not record a session's last use", error));
    }
    return session;
  }

  async function check(request: Request): Promise<AdminIdentity | null> {
    if (open) return { via: "open" };
    if (tokenMatches(request)) return { via: "token" };
    const session = passwordHash ? await validSession(request) : null;
    if (session) return { via: "session", sessionId: session.id };
    return null;
  }

  async function authorize(request: Request): Promise<AdminIdentity> {
    const result = await check(request);
    if (result) return result;
    throw new AuthError(
      "not_authorized",
      passwordHash ? "Sign in to the console, or send the admin token as Authorization: Bearer <token>." : "Send the admin token as Authorization: Bearer <token>.",
    );
  }

  return {
    open,
    passwordLogin: passwordHash !== null,
    tokenAccess: tokenDigest !== null,
    check,
    authorize,
    async require(request) {
      const result = await authorize(request);
      assertSameOrigin(request, result.via);
      return result;
    },
    async login(request, password) {
      if (!passwordHash || !devices) throw new AuthError("login_disabled", "Password sign-in is not enabled: the operator has not set SWITCHYARD_ADMIN_PASSWORD.");
      const address = (options.clientAddress ?? clientAddressOf)(request);
      const device = devices?.deviceOf(request) ?? null;
      const client: LoginClient = device ? { device } : { address, loopback: isLoopbackAddress(address) };
      const attempt = limiter.attempt(client);
      if (!attempt.allowed) throw new AuthError("login_rate_limited", `Too many failed sign-ins; try again in ${attempt.retryAfterSeconds} s.`, { retryAfterSeconds: attempt.retryAfterSeconds });
      if (!(await verifyPassword(password, passwordHash))) throw new AuthError("wrong_password", "Wrong password.");
      limiter.succeeded(client);

      const token = randomBytes(32).toString("base64url");
      const createdAt = new Date(now());
      const expiresAt = new Date(createdAt.getTime() + ttlMs);
      await sessions.create({
        id: sessionId(token),
        createdAt,
        expiresAt,
        userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null,
        clientAddress: address,
      });
      // Sign-ins are rare, so this is where old sessions are swept.
      sessions.deleteExpired(createdAt).catch((error: unknown) => console.error("[auth] could not delete expired sessions", error));
      return { setCookie: sessionCookie(request, token, Math.floor(ttlMs / 1000)), deviceCookie: devices.issue(request), expiresAt };
    },
    async logout(request) {
      const token = cookieValue(request, SESSION_COOKIE);
      if (token && SESSION_TOKEN_PATTERN.test(token)) await sessions.delete(sessionId(token));
      return { setCookie: sessionCookie(request, "", 0) };
    },
  };
}

/** The stored id of a session: SHA-256 (hex) of its token. */
export function sessionId(token: string): string {
  return sha256(token).toString("hex");
}

function sessionCookie(request: Request, value: string, maxAgeSeconds: number): string {
  const secure = requestScheme(request) === "https" ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure}`;
}
