import { z } from "zod";
import { assertSameOrigin, LoginRateLimitedError, type AdminVia } from "@/lib/auth/admin";
import { getAdminAuth } from "@/lib/auth/admin-access";
import { adminRoute, readJson } from "./envelope";

export interface AdminSessionView {
  authenticated: boolean;
  /** How this request is let in; null when it is not. */
  via: AdminVia | null;
  /** Password sign-in is configured (the login page has something to offer). */
  passwordLogin: boolean;
  /** Nothing is configured: anyone who reaches the console may use it. */
  open: boolean;
}

const noStore = { "cache-control": "no-store" };

const loginBody = z.object({ password: z.string().max(4096) }).strict();

/** POST /api/auth/login {password}: opens a console session (HttpOnly cookie); 429 with Retry-After after repeated failures. */
export const login = adminRoute(async (request): Promise<Response> => {
  const auth = getAdminAuth();
  // Not signed in yet, so a missing Origin (curl) is fine; a foreign one is not.
  assertSameOrigin(request, "anonymous");
  const { password } = loginBody.parse(await readJson(request));
  try {
    const signIn = await auth.login(request, password);
    const data: AdminSessionView & { expiresAt: string } = {
      authenticated: true,
      via: "session",
      passwordLogin: true,
      open: auth.open,
      expiresAt: signIn.expiresAt.toISOString(),
    };
    return Response.json({ data }, { headers: { ...noStore, "set-cookie": signIn.setCookie } });
  } catch (error) {
    // The envelope has no 429 yet: answered here (see the report for the envelope change).
    if (!(error instanceof LoginRateLimitedError)) throw error;
    return Response.json(
      { error: { code: "rate_limited", message: error.message } },
      { status: 429, headers: { ...noStore, "retry-after": String(error.retryAfterSeconds) } },
    );
  }
}, { access: "public" });

/** POST /api/auth/logout: ends this browser's session and clears its cookie. */
export const logout = adminRoute(async (request): Promise<Response> => {
  const auth = getAdminAuth();
  assertSameOrigin(request, "session");
  const { setCookie } = await auth.logout(request);
  const data: AdminSessionView = { authenticated: false, via: null, passwordLogin: auth.passwordLogin, open: auth.open };
  return Response.json({ data }, { headers: { ...noStore, "set-cookie": setCookie } });
}, { access: "public" });

/** GET /api/auth/session: whether this request is let into the console, and how. Never 401 itself. */
export const getSession = adminRoute(async (request): Promise<Response> => {
  const auth = getAdminAuth();
  const result = await auth.check(request);
  const data: AdminSessionView = { authenticated: result !== null, via: result?.via ?? null, passwordLogin: auth.passwordLogin, open: auth.open };
  return Response.json({ data }, { headers: noStore });
}, { access: "public" });
