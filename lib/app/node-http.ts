import type http from "node:http";
import { Readable } from "node:stream";
import { PEER_HEADER } from "@/lib/auth/request-facts";

/**
 * Node's http request as a fetch Request, the way Next.js presents route handlers with one: the signal aborts
 * when the client disconnects, and the socket's address travels in the peer header (never a client's value).
 */
export function toFetchRequest(req: http.IncomingMessage, res: http.ServerResponse): Request {
  const abort = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  headers.set(PEER_HEADER, req.socket.remoteAddress ?? "");
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(requestUrl(req), {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    signal: abort.signal,
    duplex: "half",
  } as RequestInit);
}

/** The request's URL; a Host header no URL can carry falls back to localhost, so the gateway still answers and logs it. */
function requestUrl(req: http.IncomingMessage): string {
  const path = req.url?.startsWith("/") ? req.url : "/";
  try {
    return new URL(path, `http://${req.headers.host ?? "localhost"}`).href;
  } catch {
    return new URL(path, "http://localhost").href;
  }
}

/** For requests handed to Next: the socket's address in the peer header, replacing any value the client sent. */
export function markPeer(req: http.IncomingMessage): void {
  req.headers[PEER_HEADER] = req.socket.remoteAddress ?? "";
}

/** Writes a fetch Response to node's response chunk by chunk, cancelling the body if the client goes away. */
export async function sendFetchResponse(response: Response, res: http.ServerResponse): Promise<void> {
  if (res.destroyed) {
    await response.body?.cancel();
    return;
  }
  // A response sent before the request body was read (a 413, say) leaves unread bytes on the socket: close it
  // rather than let the next request on this connection start in the middle of them.
  if (!res.req.complete) res.setHeader("connection", "close");
  res.writeHead(response.status, nodeHeaders(response.headers));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once("close", () => {
    if (!res.writableFinished) void reader.cancel();
  });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
    }
    res.end();
  } catch {
    res.destroy();
  }
}

/** Response headers for node: every Set-Cookie kept (Object.fromEntries would keep only the last). */
function nodeHeaders(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.fromEntries(headers);
  const cookies = headers.getSetCookie();
  if (cookies.length > 1) out["set-cookie"] = cookies;
  return out;
}
