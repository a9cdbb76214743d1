import { isIP } from "node:net";

/**
 * The lower-cased host name of a Host header, without port or IPv6 brackets; null when the header is not a
 * host name at all (HTTP says such a request gets a 400: RFC 9112, section 3.2).
 */
export function hostnameOf(hostHeader: string): string | null {
  const value = hostHeader.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? bracketed[1]! : null;
  const match = /^([a-z0-9_.-]+)(?::\d{1,5})?$/.exec(value);
  const name = match?.[1]?.replace(/\.$/, "");
  return name ? name : null;
}
