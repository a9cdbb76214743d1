/**
 * Facts about a request that several checks need, read the same way everywhere.
 * Behind Next.js, x-forwarded-for / x-forwarded-proto are set from the socket unless the client sent them.
 */

/** The peer address: the first x-forwarded-for entry (the original client), or "unknown". */
export function clientAddressOf(request: Request): string {
  return request.headers.get("x-forwarded-for")?.split(",")[0]?.trim().slice(0, 64) || "unknown";
}

/** The scheme the browser used: https when the request URL or x-forwarded-proto says so. */
export function requestScheme(request: Request): "https" | "http" {
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (forwarded === "https") return "https";
  try {
    return new URL(request.url).protocol === "https:" ? "https" : "http";
  } catch {
    return "http";
  }
}

/** One cookie's value from the Cookie header, or null. Malformed pairs are skipped, never thrown on. */
export function cookieValue(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    return pair.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
  }
  return null;
}

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(request: Request): string | null {
  const authorization = request.headers.get("authorization")?.trim() ?? "";
  const match = /^bearer\s+/i.exec(authorization);
  return match ? authorization.slice(match[0].length).trim() || null : null;
}
