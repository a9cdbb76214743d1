import { AuthError } from "./errors";

/** How an admin request was let in: a console session cookie, the admin token, or an unprotected console. */
export type AdminVia = "session" | "token" | "open";

const MUTATING_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * CSRF defence for the admin API: a request that changes something must come from the console's own pages.
 * - `Sec-Fetch-Site: cross-site` is refused (browsers set it; pages cannot forge it).
 * - An `Origin` header must equal the request's own origin (its Host, over the scheme it arrived on).
 * - With no Origin: refused when a cookie is what authenticates it (browsers always send Origin on such
 *   requests, so its absence is suspicious); fine for token scripts, open consoles and sign-in (curl).
 * Reading (GET, HEAD) is not checked: SameSite=Strict keeps the cookie off cross-site reads, CORS the answers.
 */
export function assertSameOrigin(request: Request, via: AdminVia | "anonymous"): void {
  if (!MUTATING_METHODS.has(request.method.toUpperCase())) return;
  if (request.headers.get("sec-fetch-site")?.trim().toLowerCase() === "cross-site") {
    throw new AuthError("cross_origin", "Cross-site requests may not change anything here.");
  }
  const origin = request.headers.get("origin");
  if (origin === null) {
    if (via === "session") throw new AuthError("cross_origin", "This request has no Origin header; the console's own pages always send one.");
    return;
  }
  const given = normalizedOrigin(origin);
  if (given === null || !ownOrigins(request).has(given)) {
    throw new AuthError("cross_origin", "This request comes from another origin than Switchyard's own pages.");
  }
}

function normalizedOrigin(value: string): string | null {
  try {
    const url = new URL(value.trim());
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    return url.origin; // lower-cased host, default port dropped
  } catch {
    return null; // includes "null", the origin of sandboxed frames and file: pages
  }
}

/** The origins this request was addressed to: its Host (else the URL's host) over its scheme(s). */
function ownOrigins(request: Request): Set<string> {
  let url: URL | null = null;
  try {
    url = new URL(request.url);
  } catch {
    // a Request always has an absolute URL; stay defensive anyway
  }
  const host = request.headers.get("host")?.trim() || url?.host;
  if (!host) return new Set();
  const schemes = new Set([url?.protocol === "https:" ? "https" : "http"]);
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (forwarded === "https" || forwarded === "http") schemes.add(forwarded);
  const origins = new Set<string>();
  for (const scheme of schemes) {
    const origin = normalizedOrigin(`${scheme}://${host}`);
    if (origin) origins.add(origin);
  }
  return origins;
}
