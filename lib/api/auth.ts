import { z } from "zod";
import { assertSameOrigin, type AdminVia } from "@/lib/auth/origin";
import { WithStatus } from "./envelope";
import { apiRoute } from "./route";

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

const sessionView = z.object({
  authenticated: z.boolean(),
  via: z.enum(["session", "token", "open"]).nullable(),
  passwordLogin: z.boolean(),
  open: z.boolean(),
}) satisfies z.ZodType<AdminSessionView>;

const loginBody = z.object({ password: z.string().max(4096) }).strict();

/**
 * POST /api/auth/login {password}: opens a console session (HttpOnly cookie); 429 with Retry-After after
 * repeated failures. Public, but not cross-site: a missing Origin (curl) is fine, a foreign one is not.
 */
export const login = apiRoute({ access: "public", body: loginBody, headers: noStore, response: sessionView.extend({ expiresAt: z.string() }) }, async ({ request, switchyard, body }) => {
  assertSameOrigin(request, "anonymous");
  const auth = switchyard.adminAuth;
  const signIn = await auth.login(request, body.password);
  const data: AdminSessionView & { expiresAt: string } = { authenticated: true, via: "session", passwordLogin: true, open: auth.open, expiresAt: signIn.expiresAt.toISOString() };
  return new WithStatus(200, data, { "set-cookie": [signIn.setCookie, signIn.deviceCookie] });
});

/** POST /api/auth/logout: ends this browser's session and clears its cookie. */
export const logout = apiRoute({ access: "public", headers: noStore, response: sessionView }, async ({ request, switchyard }) => {
  assertSameOrigin(request, "session");
  const auth = switchyard.adminAuth;
  const { setCookie } = await auth.logout(request);
  const data: AdminSessionView = { authenticated: false, via: null, passwordLogin: auth.passwordLogin, open: auth.open };
  return new WithStatus(200, data, { "set-cookie": setCookie });
});

/** GET /api/auth/session: whether this request is let into the console, and how. Never 401 itself. */
export const getSession = apiRoute({ access: "public", headers: noStore, response: sessionView }, async ({ request, switchyard }): Promise<AdminSessionView> => {
  const auth = switchyard.adminAuth;
  const result = await auth.check(request);
  return { authenticated: result !== null, via: result?.via ?? null, passwordLogin: auth.passwordLogin, open: auth.open };
});
