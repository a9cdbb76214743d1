import type { AuditEntryJson } from "@/components/hooks/api-types";

/** "Chrome 131 on Linux"-style short name of a user agent, or the agent itself when it is not a browser's. */
export function shortUserAgent(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const browser = /(Firefox|Edg|Chrome|Safari|curl|python-requests|node)[/ ]?([\d]+)?/.exec(userAgent);
  const system = /(Windows|Mac OS X|Linux|Android|iPhone|iPad)/.exec(userAgent);
  if (!browser) return userAgent.slice(0, 40);
  const name = browser[1] === "Edg" ? "Edge" : browser[1];
  return `${name}${browser[2] ? ` ${browser[2]}` : ""}${system ? ` on ${system[1] === "Mac OS X" ? "macOS" : system[1]}` : ""}`;
}

/** Who made the change, in one line: how they got in, from where, with what. */
export function describeActor(entry: Pick<AuditEntryJson, "actorVia" | "actorSession" | "actorAddress" | "actorUserAgent" | "actorClient">): string {
  const who =
    entry.actorVia === "session"
      ? `console session ${entry.actorSession ?? "?"}`
      : entry.actorVia === "token"
        ? "admin token"
        : "open console (no sign-in)";
  const agent = shortUserAgent(entry.actorUserAgent);
  return [who, entry.actorClient === "console" ? "from the console" : "through the API", entry.actorAddress, agent].filter(Boolean).join(" · ");
}
