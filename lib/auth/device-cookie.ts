import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { deriveKey, type PasswordHash } from "./password";
import { cookieValue, requestScheme } from "./request-facts";

/**
 * A "device cookie" (OWASP's answer to lock-out attacks): a browser that signs in with the right password gets a
 * long-lived cookie naming it as a known device. The sign-in limit counts a known device's failures apart from
 * everyone else's (lib/auth/login-rate-limit.ts), so an attacker who trips the limits cannot lock the operator out.
 *
 * The cookie is `<random id>.<HMAC of the id>`; the HMAC key is derived from the admin password with scrypt, so
 * the cookies survive restarts, die with a password change, and a stolen one gives no fast offline guess at the
 * password. It grants nothing but its own sign-in budget: it is sent only to /api/auth.
 */

export const DEVICE_COOKIE = "switchyard_device";
const MAX_AGE_SECONDS = 400 * 24 * 60 * 60; // the longest a browser keeps a cookie
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const KEY_LABEL = "switchyard/device-cookie/v1";

export interface DeviceCookies {
  /** The id of the known device this request comes from, or null (no cookie, or a forged one). */
  deviceOf(request: Request): string | null;
  /** A Set-Cookie value that (re)issues the request's device cookie, keeping a valid id. */
  issue(request: Request): string;
}

export async function createDeviceCookies(password: string, params?: PasswordHash["params"]): Promise<DeviceCookies> {
  const key = await deriveKey(password, Buffer.from(KEY_LABEL), params);
  const mac = (id: string) => createHmac("sha256", key).update(id).digest("base64url");

  function deviceOf(request: Request): string | null {
    const value = cookieValue(request, DEVICE_COOKIE);
    const [id, signature, ...rest] = value?.split(".") ?? [];
    if (!id || !signature || rest.length > 0 || !ID_PATTERN.test(id)) return null;
    const expected = Buffer.from(mac(id));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
  }

  return {
    deviceOf,
    issue(request) {
      const id = deviceOf(request) ?? randomBytes(16).toString("base64url");
      const secure = requestScheme(request) === "https" ? "; Secure" : "";
      return `${DEVICE_COOKIE}=${id}.${mac(id)}; HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age=${MAX_AGE_SECONDS}${secure}`;
    },
  };
}
