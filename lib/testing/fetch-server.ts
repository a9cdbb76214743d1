import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

export interface FetchServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a fetch-style handler (Request -> Response) over real HTTP, the way Next.js runs route handlers:
 * the request's signal aborts when the client disconnects, and the response body is cancelled when the
 * socket closes mid-stream. Integration tests and the benchmark use it to exercise the gateway without a build.
 */
export async function serveFetchHandler(handler: (request: Request) => Promise<Response>, port = 0): Promise<FetchServer> {
  const server = http.createServer((req, res) => {
    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    headers.set("x-forwarded-for", req.socket.remoteAddress ?? "");
    const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      signal: abort.signal,
      duplex: "half",
    } as RequestInit);
    void respond(handler, request, res);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function respond(handler: (request: Request) => Promise<Response>, request: Request, res: http.ServerResponse): Promise<void> {
  let response: Response;
  try {
    response = await handler(request);
  } catch (error) {
    res.writeHead(500).end(String(error));
    return;
  }
  if (res.destroyed) {
    await response.body?.cancel();
    return;
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
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
