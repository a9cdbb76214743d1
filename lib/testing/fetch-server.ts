import http from "node:http";
import type { AddressInfo } from "node:net";
import { sendFetchResponse, toFetchRequest } from "@/lib/app/node-http";

export interface FetchServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a fetch-style handler (Request -> Response) over real HTTP, the way Next.js runs route handlers:
 * the request's signal aborts when the client disconnects, and the response body is cancelled when the
 * socket closes mid-stream. Integration tests use it to exercise the gateway without a build.
 */
export async function serveFetchHandler(handler: (request: Request) => Promise<Response>, port = 0): Promise<FetchServer> {
  const server = http.createServer((req, res) => {
    const request = toFetchRequest(req, res);
    handler(request).then(
      (response) => sendFetchResponse(response, res),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
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
