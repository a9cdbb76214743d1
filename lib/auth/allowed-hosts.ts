import os from "node:os";
import { isIP } from "node:net";
import { hostnameOf } from "@/lib/http/host";
import { AuthError } from "./errors";

/**
 * Which `Host` the console answers as. A web page an operator visits can point its own DNS name at the lab
 * (DNS rebinding): the browser then sends the page's requests to Switchyard as same-origin, with
 * `Host: evil.example`. Refusing hosts that are not Switchyard's own closes that door for the console and /api;
 * machine endpoints (/v1, health, metrics) are called by programs, not pages, and answer under any name.
 *
 * Always allowed: `localhost` and `*.localhost`, loopback addresses, this machine's host name and the addresses of
 * its interfaces. `server.allowedHosts` adds names (a reverse proxy's public name; `.lab.example` for a domain and
 * its subdomains); `*` turns the check off.
 */

function isLoopbackName(hostname: string): boolean {
  if (hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "::1") return true;
  return isIP(hostname) === 4 && hostname.startsWith("127.");
}

const MACHINE_NAMES_TTL_MS = 60_000;
let machineNames: { at: number; names: ReadonlySet<string> } | null = null;

/** This machine's names and interface addresses, re-read once a minute (DHCP and VPNs change them). */
function currentMachineNames(now = Date.now()): ReadonlySet<string> {
  if (machineNames && now - machineNames.at < MACHINE_NAMES_TTL_MS) return machineNames.names;
  const names = new Set<string>();
  const hostname = os.hostname().toLowerCase();
  names.add(hostname);
  names.add(`${hostname.split(".")[0]}.local`); // mDNS
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) names.add(address.address.toLowerCase().split("%")[0]!);
  }
  machineNames = { at: now, names };
  return names;
}

/** Whether a request addressed to `hostHeader` may reach the console. A request without a Host (HTTP/1.0) is no browser's. */
export function isAllowedHost(hostHeader: string | null | undefined, configured: readonly string[], machine: () => ReadonlySet<string> = currentMachineNames): boolean {
  if (hostHeader === null || hostHeader === undefined) return true;
  const hostname = hostnameOf(hostHeader);
  if (hostname === null) return false;
  if (isLoopbackName(hostname) || machine().has(hostname)) return true;
  return configured.some((entry) => {
    const allowed = entry.trim().toLowerCase();
    if (allowed === "*") return true;
    if (allowed.startsWith(".")) return hostname === allowed.slice(1) || hostname.endsWith(allowed);
    return hostname === allowed;
  });
}

/** The refusal of a request addressed to a foreign host name (421). */
export function misdirectedHostError(host: string | null | undefined): AuthError {
  return new AuthError(
    "misdirected_host",
    `This console does not answer as "${(host ?? "").slice(0, 100)}". Add the name to server.allowedHosts in the lab config if it is really Switchyard's.`,
  );
}

/** The check for /api routes (under `npm start` the server has already refused such requests before Next). */
export function assertAllowedHost(request: Request, configured: readonly string[]): void {
  const host = request.headers.get("host");
  if (!isAllowedHost(host, configured)) throw misdirectedHostError(host);
}

/**
 * Paths programs call under any name: the gateway, vLLM's own endpoints, health checks and metrics. Everything else is the console
 * (pages, their assets, /api) and answers only as an allowed host.
 */
export function isMachineEndpoint(path: string): boolean {
  return /^\/(?:v1(?:\/|$)|tokenize$|detokenize$|healthz$|readyz$|metrics$|health$|ping$|version$|load$)/.test(path);
}

/** The addresses a server bound to `hostname` can be reached at, for the start-up notice of an open console. */
export function reachableAddresses(hostname: string, port: number): string[] {
  if (hostname !== "0.0.0.0" && hostname !== "::") return [`http://${hostname}:${port}`];
  const urls: string[] = [];
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4") urls.push(`http://${address.address}:${port}`);
    }
  }
  return urls;
}
