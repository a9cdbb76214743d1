/**
 * Facts about a request that several checks need, read the same way everywhere.
 */

/**
 * The socket's address, as the server (scripts/server.ts, lib/app/node-http.ts) writes it on every request,
 * replacing whatever a client sent under this name. Next.js's own x-forwarded-for is not used: it keeps a value
 * the client sent.
 */
export const PEER_HEADER = "x-switchyard-peer";

/** "::ffff:10.0.0.5" and "10.0.0.5" are one client. */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim().slice(0, 64);
  return trimmed.startsWith("::ffff:") && trimmed.includes(".") ? trimmed.slice(7) : trimmed;
}

/** A loopback address: a client on this machine itself (or an SSH tunnel to it). */
export function isLoopbackAddress(address: string): boolean {
  const normalized = normalizeAddress(address);
  return normalized === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(normalized);
}

/**
 * The client's address. The socket's peer is the client unless it is one of `trustedProxies`; then the
 * X-Forwarded-For entries are read from the right (the nearest hop first) and the first one that is not a trusted
 * proxy is the client. "unknown" when no server recorded a peer (`next dev`).
 */
export function clientAddressOf(request: Request, trustedProxies: readonly string[] = []): string {
  const peer = request.headers.get(PEER_HEADER);
  if (!peer) return "unknown";
  const trusted = new Set(trustedProxies.map(normalizeAddress));
  let client = normalizeAddress(peer);
  if (!trusted.has(client)) return client;
  const hops = (request.headers.get("x-forwarded-for") ?? "").split(",").map(normalizeAddress).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    client = hops[i]!;
    if (!trusted.has(client)) return client;
  }
  return client;
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
